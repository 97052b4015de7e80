// SPDX-License-Identifier: Apache-2.0
/**
 * The palette commands. "Convert Model File…" and "Convert Current File" are dialogs around the
 * server's `workspace/executeCommand` commands; "Restart Server" and "Show Output" act locally.
 */
import * as path from 'path';
import { CancellationToken, Disposable, Uri, ViewColumn } from 'vscode';
import { Commands, MODEL_EXTENSIONS, ServerCommands } from './constants';
import { traceError, traceInfo, traceWarn } from './log/logging';
import {
    ConvertModelOptions,
    ConvertModelResult,
    OUTPUT_EXISTS,
    buildConvertOptions,
    errorCode,
    describeDeclaredShapes,
    describeSummary,
    formatNodeList,
    formatShapes,
    hasDynamicDims,
    ModelInfo,
    parseNodeList,
    TensorInfo,
    validateNodeList,
    validateShapes,
    DialogAnswers,
} from './modelInputs';
import { withServerProgress } from './progress';
import type { LspClient } from './server';
import type { ExtensionSettings } from './settings';
import { errorMessage } from './utilities';
import {
    getActiveTextEditor,
    openTextDocument,
    registerCommand,
    showErrorMessage,
    showInformationMessage,
    showInputBox,
    showOpenDialog,
    showTextDocument,
    showWarningMessage,
    fileUri,
} from './vscodeapi';

/** What the commands need from the extension. */
export interface CommandContext {
    /** The running language client, or undefined. */
    getClient(): LspClient | undefined;
    restart(): Promise<unknown>;
    showOutput(): void;
    getSettings(resource?: Uri): ExtensionSettings;
}

/** Register the four palette commands. */
export function registerCommands(context: CommandContext): Disposable[] {
    return [
        registerCommand(Commands.convertModelFileUI, (uri) => convertModelFileUI(context, asUri(uri))),
        registerCommand(Commands.convertCurrentFile, (uri) => convertCurrentFile(context, asUri(uri))),
        registerCommand(Commands.restart, () => context.restart()),
        registerCommand(Commands.showOutput, () => context.showOutput()),
    ];
}

/** Menus pass the clicked resource; the palette passes nothing. */
function asUri(value: unknown): Uri | undefined {
    if (typeof value === 'object' && value !== null && 'fsPath' in value && 'scheme' in value) {
        return value as Uri;
    }
    return undefined;
}

/**
 * Run a server command through `workspace/executeCommand` (arguments as separate params).
 * The cancellation token is passed only when there is one: vscode-jsonrpc would otherwise send
 * `[params, null]` as positional parameters, which the server rejects.
 */
export function executeServerCommand<R>(
    client: LspClient,
    command: string,
    args: unknown[],
    extra: { workDoneToken?: string } = {},
    token?: CancellationToken,
): Promise<R> {
    const params = { command, arguments: args, ...extra };
    return token === undefined
        ? client.sendRequest<R>('workspace/executeCommand', params)
        : client.sendRequest<R>('workspace/executeCommand', params, token);
}

async function requireClient(context: CommandContext): Promise<LspClient | undefined> {
    const client = context.getClient();
    if (client !== undefined) {
        return client;
    }
    const choice = await showErrorMessage(
        'MindConverter: the language server is not running.',
        'Restart Server',
        'Show Output',
    );
    if (choice === 'Restart Server') {
        await context.restart();
    } else if (choice === 'Show Output') {
        context.showOutput();
    }
    return undefined;
}

async function pickModelFile(): Promise<Uri | undefined> {
    const picked = await showOpenDialog({
        canSelectMany: false,
        openLabel: 'Convert',
        title: 'MindConverter: Convert Model File',
        filters: { 'Model files': [...MODEL_EXTENSIONS] },
    });
    return picked?.[0];
}

/** What the server says the model declares, or why it could not say (also logged). */
export type Inspection = { info: ModelInfo } | { error: string };

async function inspectModel(client: LspClient, modelPath: string): Promise<Inspection> {
    try {
        const info = await executeServerCommand<ModelInfo | null>(client, ServerCommands.inspectModel, [modelPath]);
        if (info === null || !Array.isArray(info.inputs) || !Array.isArray(info.outputs)) {
            traceWarn(`${ServerCommands.inspectModel} gave no usable answer for ${modelPath}:`, info);
            return { error: 'no inputs or outputs in its answer' };
        }
        return { info };
    } catch (error) {
        traceWarn(`${ServerCommands.inspectModel} failed for ${modelPath}:`, errorMessage(error));
        return { error: errorMessage(error) };
    }
}

/** Prefill for the shapes box when every typed input node is one the model declares. */
export function prefillShapes(inputNodes: readonly string[], declared: readonly TensorInfo[]): string {
    const chosen = inputNodes.map((name) => declared.find((tensor) => tensor.name === name));
    if (chosen.length === 0 || chosen.some((tensor) => tensor === undefined)) {
        return '';
    }
    return formatShapes(chosen as TensorInfo[]);
}

/** The three input boxes; undefined when the user presses Escape. */
export async function askConversionInputs(
    inspection: Inspection,
    modelName: string,
): Promise<DialogAnswers | undefined> {
    const info = 'info' in inspection ? inspection.info : undefined;
    const unread =
        'error' in inspection
            ? ` The server could not read the model (${inspection.error}): nothing is prefilled.`
            : '';
    const declaredInputs = info?.inputs ?? [];
    const inputNodes = await showInputBox({
        title: `Convert ${modelName} (1/3): input nodes`,
        prompt: `Input node names, separated by commas (empty: the graph inputs).${unread}`,
        value: formatNodeList(declaredInputs.map((tensor) => tensor.name)),
        ignoreFocusOut: true,
        validateInput: (text) => validateNodeList(text, false),
    });
    if (inputNodes === undefined) {
        return undefined;
    }
    const names = parseNodeList(inputNodes);
    const chosen = declaredInputs.filter((tensor) => names.includes(tensor.name));
    const declared = chosen.length > 0 ? ` The model declares ${describeDeclaredShapes(chosen)}.` : '';
    const dynamic = hasDynamicDims(chosen) ? ' Symbolic dimensions are prefilled with 1.' : '';
    const shapes = await showInputBox({
        title: `Convert ${modelName} (2/3): input shapes`,
        prompt: `One shape per input node, separated by ";" (e.g. 1,3,224,224; 1,10).${declared}${dynamic}`,
        value: prefillShapes(names, declaredInputs),
        ignoreFocusOut: true,
        validateInput: (text) => validateShapes(text, names.length),
    });
    if (shapes === undefined) {
        return undefined;
    }
    const outputNodes = await showInputBox({
        title: `Convert ${modelName} (3/3): output nodes`,
        prompt: 'Output node names, separated by commas (empty: the graph outputs).',
        value: formatNodeList((info?.outputs ?? []).map((tensor) => tensor.name)),
        ignoreFocusOut: true,
        validateInput: (text) => validateNodeList(text, false),
    });
    if (outputNodes === undefined) {
        return undefined;
    }
    return { inputNodes, shapes, outputNodes };
}

function isConvertModelResult(value: unknown): value is ConvertModelResult {
    if (typeof value !== 'object' || value === null) {
        return false;
    }
    const result = value as Record<string, unknown>;
    return typeof result.script === 'string' && typeof result.summary === 'object' && result.summary !== null;
}

/** "MindConverter: Convert Model File…": pick (or get from the explorer), ask, convert, open. */
export async function convertModelFileUI(context: CommandContext, uri?: Uri): Promise<ConvertModelResult | undefined> {
    const client = await requireClient(context);
    if (client === undefined) {
        return undefined;
    }
    const modelUri = uri ?? (await pickModelFile());
    if (modelUri === undefined) {
        return undefined;
    }
    const modelPath = modelUri.fsPath;
    const modelName = path.basename(modelPath);
    const answers = await askConversionInputs(await inspectModel(client, modelPath), modelName);
    if (answers === undefined) {
        traceInfo(`Conversion of ${modelName} cancelled in the dialog.`);
        return undefined;
    }
    const options = buildConvertOptions(answers, context.getSettings(modelUri).server.outputFolder);
    traceInfo(`Converting ${modelPath} with`, JSON.stringify(options));
    let result: unknown;
    const state = { cancelled: false };
    const run = (opts: ConvertModelOptions): Thenable<unknown> =>
        withServerProgress(client, `MindConverter: converting ${modelName}`, (workDoneToken, cancellation) => {
            cancellation.onCancellationRequested(() => {
                state.cancelled = true;
            });
            return executeServerCommand<unknown>(
                client,
                ServerCommands.convertModelFile,
                [modelPath, opts],
                { workDoneToken },
                cancellation,
            );
        });
    try {
        try {
            result = await run(options);
        } catch (error) {
            if (state.cancelled || errorCode(error) !== OUTPUT_EXISTS) {
                throw error;
            }
            const replace = await showWarningMessage(
                `MindConverter: the output files for ${modelName} already exist. Replace them?`,
                'Replace',
            );
            if (replace !== 'Replace') {
                return undefined;
            }
            result = await run({ ...options, overwrite: true });
        }
    } catch (error) {
        if (state.cancelled) {
            void showInformationMessage(`MindConverter: conversion of ${modelName} cancelled.`);
        } else {
            await reportFailure(context, `could not convert ${modelName}`, error);
        }
        return undefined;
    }
    if (!isConvertModelResult(result)) {
        await reportFailure(context, `unexpected answer for ${modelName}`, new Error(JSON.stringify(result)));
        return undefined;
    }
    traceInfo(`Converted ${modelName}:`, JSON.stringify(result));
    await openConversionResult(result);
    void showInformationMessage(
        `MindConverter: ${modelName} converted, ${describeSummary(result)}.`,
        'Open JSON Report',
    ).then((choice) => (choice !== undefined ? openFile(result.reportJson, ViewColumn.Beside) : undefined));
    return result;
}

async function openFile(filePath: string, viewColumn?: ViewColumn): Promise<void> {
    const document = await openTextDocument(fileUri(filePath));
    await showTextDocument(document, { viewColumn, preview: false });
}

/** Open the generated script, and the text report beside it. */
async function openConversionResult(result: ConvertModelResult): Promise<void> {
    try {
        await openFile(result.script);
        if (result.reportText !== '') {
            await openFile(result.reportText, ViewColumn.Beside);
        }
    } catch (error) {
        traceError('Could not open the conversion results:', error);
    }
}

async function reportFailure(context: CommandContext, what: string, error: unknown): Promise<void> {
    traceError(`MindConverter: ${what}:`, error);
    const choice = await showErrorMessage(`MindConverter: ${what}: ${errorMessage(error)}`, 'Show Output');
    if (choice === 'Show Output') {
        context.showOutput();
    }
}

/** "MindConverter: Convert Current File to MindSpore": AST conversion, result opened beside. */
export async function convertCurrentFile(context: CommandContext, uri?: Uri): Promise<string | undefined> {
    const document = uri === undefined ? getActiveTextEditor()?.document : undefined;
    const target = uri ?? document?.uri;
    if (target === undefined || (document !== undefined && document.languageId !== 'python')) {
        void showWarningMessage('MindConverter: open a Python file to convert it.');
        return undefined;
    }
    const client = await requireClient(context);
    if (client === undefined) {
        return undefined;
    }
    let result: { path?: unknown } | null;
    try {
        result = await executeServerCommand<{ path?: unknown } | null>(client, ServerCommands.convertFile, [
            target.toString(),
        ]);
    } catch (error) {
        await reportFailure(context, `could not convert ${path.basename(target.fsPath)}`, error);
        return undefined;
    }
    if (result === null || typeof result.path !== 'string') {
        await reportFailure(
            context,
            `unexpected answer for ${path.basename(target.fsPath)}`,
            new Error(JSON.stringify(result)),
        );
        return undefined;
    }
    const written = result.path;
    await openFile(written, ViewColumn.Beside);
    void showInformationMessage(`MindConverter: wrote ${path.basename(written)}.`);
    return written;
}
