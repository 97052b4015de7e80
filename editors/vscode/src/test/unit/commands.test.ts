// SPDX-License-Identifier: Apache-2.0
import './support/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { InputBoxOptions, Uri } from 'vscode';
import {
    CommandContext,
    convertCurrentFile,
    convertModelFileUI,
    prefillShapes,
    registerCommands,
} from '../../common/commands';
import { Commands, ServerCommands } from '../../common/constants';
import type { ConvertModelResult, ModelInfo } from '../../common/modelInputs';
import { readSettings } from '../../common/settings';
import * as vscodeapi from '../../common/vscodeapi';
import { FakeCancellationTokenSource, FakeUri } from './support/fakeVscode';
import { configOf, FakeClient } from './support/fakes';

const MODEL = '/ws/models/resnet.onnx';

const modelInfo: ModelInfo = {
    inputs: [
        { name: 'input', shape: ['batch', 3, 224, 224], dtype: 'float32' },
        { name: 'mask', shape: [1, 16], dtype: 'int64' },
    ],
    outputs: [{ name: 'logits', shape: ['batch', 1000], dtype: 'float32' }],
    opset: 13,
    format: 'onnx',
};

const converted: ConvertModelResult = {
    script: '/ws/out/resnet.py',
    checkpoint: '/ws/out/resnet.ckpt',
    reportJson: '/ws/out/report_of_resnet.json',
    reportText: '/ws/out/report_of_resnet.txt',
    summary: { ops_total: 50, ops_converted: 49, unconverted: 1, verification: 'passed' },
};

interface Ui {
    inputBoxes: InputBoxOptions[];
    answers: (string | undefined)[];
    opened: { path: string; viewColumn: unknown }[];
    errors: string[];
    warnings: string[];
    infos: string[];
    openDialogs: number;
    progressTitles: string[];
    reported: unknown[];
    cancellation: FakeCancellationTokenSource;
}

/** Replace the VS Code wrappers the commands use; record what they show. */
function fakeUi(answers: (string | undefined)[], errorChoice?: string): Ui {
    const ui: Ui = {
        inputBoxes: [],
        answers: [...answers],
        opened: [],
        errors: [],
        warnings: [],
        infos: [],
        openDialogs: 0,
        progressTitles: [],
        reported: [],
        cancellation: new FakeCancellationTokenSource(),
    };
    mock.method(vscodeapi, 'showInputBox', (options: InputBoxOptions) => {
        ui.inputBoxes.push(options);
        const answer = ui.answers.shift();
        if (answer !== undefined && options.validateInput !== undefined) {
            assert.equal(options.validateInput(answer), undefined, `answer "${answer}" should be valid`);
        }
        return Promise.resolve(answer);
    });
    mock.method(vscodeapi, 'showOpenDialog', () => {
        ui.openDialogs += 1;
        return Promise.resolve([FakeUri.file(MODEL)]);
    });
    mock.method(vscodeapi, 'openTextDocument', (uri: Uri) => Promise.resolve({ uri }));
    mock.method(vscodeapi, 'showTextDocument', (document: { uri: Uri }, options?: { viewColumn?: unknown }) => {
        ui.opened.push({ path: document.uri.fsPath, viewColumn: options?.viewColumn });
        return Promise.resolve({});
    });
    mock.method(vscodeapi, 'showErrorMessage', (message: string) => {
        ui.errors.push(message);
        return Promise.resolve(errorChoice);
    });
    mock.method(vscodeapi, 'showWarningMessage', (message: string) => {
        ui.warnings.push(message);
        return Promise.resolve(undefined);
    });
    mock.method(vscodeapi, 'showInformationMessage', (message: string) => {
        ui.infos.push(message);
        return Promise.resolve(undefined);
    });
    mock.method(vscodeapi, 'withProgress', (options: { title: string }, task: (...args: unknown[]) => unknown) => {
        ui.progressTitles.push(options.title);
        return task({ report: (step: unknown) => ui.reported.push(step) }, ui.cancellation.token);
    });
    return ui;
}

function context(client: FakeClient | undefined, outputFolder = '/ws/out') {
    const calls = { restart: 0, showOutput: 0 };
    const ctx: CommandContext = {
        getClient: () => client,
        restart: () => {
            calls.restart += 1;
            return Promise.resolve();
        },
        showOutput: () => (calls.showOutput += 1),
        getSettings: () => readSettings(configOf({ outputFolder }), { workspaceFolder: '/ws' }).settings,
    };
    return { ctx, calls };
}

/** A server that answers inspect and convert, reporting progress on the client's token. */
function convertingServer(): FakeClient {
    return new FakeClient({
        [ServerCommands.inspectModel]: () => modelInfo,
        [ServerCommands.convertModelFile]: (_args, client) => {
            const token = client.requests.at(-1)!.params.workDoneToken!;
            client.progress(token, { kind: 'begin', title: 'Converting resnet.onnx', percentage: 0 });
            client.progress(token, { kind: 'report', message: 'converting nodes', percentage: 60 });
            client.progress(token, { kind: 'end', message: 'done' });
            return converted;
        },
    });
}

describe('registerCommands', () => {
    afterEach(() => mock.restoreAll());

    it('registers exactly the commands package.json contributes', () => {
        const registered: string[] = [];
        mock.method(vscodeapi, 'registerCommand', (command: string) => {
            registered.push(command);
            return { dispose: () => undefined };
        });
        const disposables = registerCommands(context(new FakeClient()).ctx);
        const manifest = JSON.parse(
            fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
        ) as {
            contributes: { commands: { command: string }[]; menus: Record<string, { command: string }[]> };
        };
        const contributed = manifest.contributes.commands.map((entry) => entry.command);
        assert.deepEqual([...registered].sort(), [...contributed].sort());
        assert.deepEqual([...registered].sort(), Object.values(Commands).sort());
        assert.equal(disposables.length, contributed.length);
        for (const entries of Object.values(manifest.contributes.menus)) {
            for (const entry of entries) {
                assert.ok(contributed.includes(entry.command), `menu entry ${entry.command} is a contributed command`);
            }
        }
    });

    it('wires restart, show output, and the explorer resource to the model command', async () => {
        const handlers = new Map<string, (...args: unknown[]) => unknown>();
        mock.method(vscodeapi, 'registerCommand', (command: string, handler: (...args: unknown[]) => unknown) => {
            handlers.set(command, handler);
            return { dispose: () => undefined };
        });
        const ui = fakeUi([undefined]);
        const client = convertingServer();
        const { ctx, calls } = context(client);
        registerCommands(ctx);
        await handlers.get(Commands.restart)!();
        handlers.get(Commands.showOutput)!();
        assert.deepEqual(calls, { restart: 1, showOutput: 1 });
        const explorerUri = FakeUri.file('/ws/other/model.pb');
        await handlers.get(Commands.convertModelFileUI)!(explorerUri, [explorerUri]);
        assert.equal(ui.openDialogs, 0, 'the explorer resource skips the file picker');
        assert.deepEqual(client.executed(ServerCommands.inspectModel)[0]!.params.arguments, ['/ws/other/model.pb']);
    });
});

describe('Convert Model File…', () => {
    let client: FakeClient;
    beforeEach(() => {
        client = convertingServer();
    });
    afterEach(() => mock.restoreAll());

    it('prefills the boxes from inspectModel, converts with progress and opens script and report', async () => {
        const ui = fakeUi(['input, mask', '1,3,224,224; 1,16', 'logits']);
        const result = await convertModelFileUI(context(client).ctx);
        assert.deepEqual(result, converted);
        assert.equal(ui.openDialogs, 1);

        assert.deepEqual(
            ui.inputBoxes.map((box) => box.value),
            ['input, mask', '1,3,224,224; 1,16', 'logits'],
        );
        assert.match(ui.inputBoxes[1]!.prompt!, /input\[batch,3,224,224\], mask\[1,16\]/);
        assert.match(ui.inputBoxes[1]!.prompt!, /Symbolic dimensions are prefilled with 1/);

        const [inspect] = client.executed(ServerCommands.inspectModel);
        assert.deepEqual(inspect!.params.arguments, [MODEL]);
        assert.equal(inspect!.argumentCount, 2, 'no cancellation token argument: params go by name');
        const [convert] = client.executed(ServerCommands.convertModelFile);
        assert.deepEqual(convert!.params.arguments, [
            MODEL,
            {
                inputNodes: ['input', 'mask'],
                shapes: [
                    [1, 3, 224, 224],
                    [1, 16],
                ],
                outputNodes: ['logits'],
                outputDir: '/ws/out',
                reportDir: '/ws/out',
            },
        ]);
        assert.match(convert!.params.workDoneToken!, /^mindconverter\//);
        assert.ok(convert!.token, 'the request can be cancelled');
        assert.equal(convert!.argumentCount, 3);

        assert.deepEqual(ui.progressTitles, ['MindConverter: converting resnet.onnx']);
        assert.deepEqual(ui.reported, [
            { message: 'converting nodes', increment: 60 },
            { message: 'done', increment: 40 },
        ]);
        assert.deepEqual(ui.opened, [
            { path: '/ws/out/resnet.py', viewColumn: undefined },
            { path: '/ws/out/report_of_resnet.txt', viewColumn: -2 },
        ]);
        assert.match(ui.infos[0]!, /resnet\.onnx converted, 49\/50 operators converted, 1 left as placeholders/);
    });

    it('sends the edited values', async () => {
        fakeUi(['input', '8,3,96,96', '']);
        await convertModelFileUI(context(client, '').ctx);
        const [convert] = client.executed(ServerCommands.convertModelFile);
        assert.deepEqual(convert!.params.arguments, [MODEL, { inputNodes: ['input'], shapes: [[8, 3, 96, 96]] }]);
    });

    it('prefills shapes only for input nodes the model declares', () => {
        assert.equal(prefillShapes(['mask'], modelInfo.inputs), '1,16');
        assert.equal(prefillShapes(['mask', 'other'], modelInfo.inputs), '');
        assert.equal(prefillShapes([], modelInfo.inputs), '');
    });

    it('refuses shapes that do not match the input nodes in the box itself', async () => {
        const ui = fakeUi(['input, mask', undefined]);
        await convertModelFileUI(context(client).ctx);
        const validate = ui.inputBoxes[1]!.validateInput!;
        assert.match(validate('1,3,224,224') as string, /2 input node\(s\) need 2 shape\(s\)/);
        assert.match(validate('1,3,batch,224; 1,16') as string, /"batch" is not a positive whole number/);
    });

    it('stops without converting when a box is dismissed', async () => {
        const ui = fakeUi(['input, mask', undefined]);
        const result = await convertModelFileUI(context(client).ctx);
        assert.equal(result, undefined);
        assert.equal(ui.inputBoxes.length, 2);
        assert.equal(client.executed(ServerCommands.convertModelFile).length, 0);
    });

    it('still asks, with empty boxes, when the server cannot inspect the model', async () => {
        client.commands[ServerCommands.inspectModel] = () => {
            throw new Error('unsupported format');
        };
        const ui = fakeUi(['x', '1,4', '']);
        await convertModelFileUI(context(client).ctx);
        assert.deepEqual(
            ui.inputBoxes.map((box) => box.value),
            ['', '', ''],
        );
        assert.match(
            ui.inputBoxes[0]!.prompt!,
            /could not read the model \(unsupported format\): nothing is prefilled/,
        );
        assert.equal(client.executed(ServerCommands.convertModelFile).length, 1);
    });

    it("shows the server's error message when the conversion fails", async () => {
        client.commands[ServerCommands.convertModelFile] = () => {
            throw Object.assign(new Error('Model file not found: /ws/models/resnet.onnx'), { code: -32603 });
        };
        const ui = fakeUi(['input, mask', '1,3,224,224; 1,16', 'logits'], 'Show Output');
        const { ctx, calls } = context(client);
        const result = await convertModelFileUI(ctx);
        assert.equal(result, undefined);
        assert.deepEqual(ui.errors, [
            'MindConverter: could not convert resnet.onnx: Model file not found: /ws/models/resnet.onnx',
        ]);
        assert.equal(calls.showOutput, 1);
        assert.deepEqual(ui.opened, []);
    });

    it('says so when the user cancels the progress notification', async () => {
        const ui = fakeUi(['input, mask', '1,3,224,224; 1,16', 'logits']);
        client.commands[ServerCommands.convertModelFile] = (_args, fake) => {
            ui.cancellation.cancel();
            assert.deepEqual(fake.notifications.at(-1)!.method, 'window/workDoneProgress/cancel');
            throw new Error('Request cancelled');
        };
        await convertModelFileUI(context(client).ctx);
        assert.deepEqual(ui.errors, []);
        assert.deepEqual(ui.infos, ['MindConverter: conversion of resnet.onnx cancelled.']);
    });

    it('rejects an answer that is not a conversion result', async () => {
        client.commands[ServerCommands.convertModelFile] = () => ({ ok: true });
        const ui = fakeUi(['input, mask', '1,3,224,224; 1,16', 'logits']);
        assert.equal(await convertModelFileUI(context(client).ctx), undefined);
        assert.match(ui.errors[0]!, /unexpected answer for resnet\.onnx/);
    });

    it('offers a restart when the server is not running', async () => {
        const ui = fakeUi([], 'Restart Server');
        const { ctx, calls } = context(undefined);
        assert.equal(await convertModelFileUI(ctx), undefined);
        assert.deepEqual(ui.errors, ['MindConverter: the language server is not running.']);
        assert.equal(calls.restart, 1);
        assert.equal(ui.openDialogs, 0);
    });
});

describe('Convert Current File to MindSpore', () => {
    afterEach(() => mock.restoreAll());

    function withEditor(languageId: string, file: string) {
        mock.method(vscodeapi, 'getActiveTextEditor', () => ({ document: { languageId, uri: FakeUri.file(file) } }));
    }

    it('sends the document URI and opens the written file beside it', async () => {
        const client = new FakeClient({ [ServerCommands.convertFile]: () => ({ path: '/ws/train_ms.py' }) });
        withEditor('python', '/ws/train.py');
        const ui = fakeUi([]);
        assert.equal(await convertCurrentFile(context(client).ctx), '/ws/train_ms.py');
        const [request] = client.executed(ServerCommands.convertFile);
        assert.deepEqual(request!.params.arguments, ['file:///ws/train.py']);
        assert.equal(request!.argumentCount, 2);
        assert.deepEqual(ui.opened, [{ path: '/ws/train_ms.py', viewColumn: -2 }]);
        assert.deepEqual(ui.infos, ['MindConverter: wrote train_ms.py.']);
    });

    it('asks for a Python file when none is active', async () => {
        const client = new FakeClient();
        mock.method(vscodeapi, 'getActiveTextEditor', () => undefined);
        const ui = fakeUi([]);
        assert.equal(await convertCurrentFile(context(client).ctx), undefined);
        withEditor('markdown', '/ws/README.md');
        assert.equal(await convertCurrentFile(context(client).ctx), undefined);
        assert.deepEqual(ui.warnings, [
            'MindConverter: open a Python file to convert it.',
            'MindConverter: open a Python file to convert it.',
        ]);
        assert.equal(client.requests.length, 0);
    });

    it('reports a server error', async () => {
        const client = new FakeClient({
            [ServerCommands.convertFile]: () => {
                throw new Error('syntax error at line 3');
            },
        });
        withEditor('python', '/ws/broken.py');
        const ui = fakeUi([]);
        assert.equal(await convertCurrentFile(context(client).ctx), undefined);
        assert.deepEqual(ui.errors, ['MindConverter: could not convert broken.py: syntax error at line 3']);
    });
});
