// SPDX-License-Identifier: Apache-2.0
import './support/fakeVscode';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import {
    buildClientOptions,
    buildServerCommand,
    buildServerOptions,
    patchConfigurationResult,
    ServerController,
    ServerDependencies,
} from '../../common/server';
import { DEFAULT_SERVER_SETTINGS, readSettings, ServerSettings } from '../../common/settings';
import type { InterpreterCheck } from '../../common/python';
import { configOf, FakeClient } from './support/fakes';

describe('buildServerCommand', () => {
    it('runs the server module with the interpreter', () => {
        assert.deepEqual(buildServerCommand(['/venv/bin/python'], []), {
            command: '/venv/bin/python',
            args: ['-m', 'mindconverter.server'],
        });
    });

    it('keeps interpreter arguments before -m and server arguments after the module', () => {
        assert.deepEqual(buildServerCommand(['conda', 'run', '-n', 'ms', 'python'], ['--log-level', 'debug']), {
            command: 'conda',
            args: ['run', '-n', 'ms', 'python', '-m', 'mindconverter.server', '--log-level', 'debug'],
        });
    });

    it('refuses an empty interpreter', () => {
        assert.throws(() => buildServerCommand([], []), /no Python interpreter/);
    });
});

describe('buildServerOptions', () => {
    it('uses the stdio transport and adds no arguments of its own', () => {
        const options = buildServerOptions({ command: 'python3', args: ['-m', 'mindconverter.server'] }, '/ws') as {
            command: string;
            args: string[];
            transport: number;
            options: { cwd?: string };
        };
        assert.equal(options.command, 'python3');
        assert.deepEqual(options.args, ['-m', 'mindconverter.server']);
        assert.equal(options.transport, 0, 'TransportKind.stdio: the client appends --stdio');
        assert.equal(options.options.cwd, '/ws');
    });

    it('leaves the working folder unset without a workspace', () => {
        const options = buildServerOptions({ command: 'python3', args: [] }, undefined) as { options: object };
        assert.deepEqual(options.options, {});
    });
});

describe('buildClientOptions', () => {
    const settings: ServerSettings = {
        target: 'mint',
        severity: { convertible: 'hint', unconvertible: 'error', placeholder: 'off' },
        outputFolder: '/out',
        convertInPlace: false,
    };

    it('sends the settings as initializationOptions in the contract shape', () => {
        const options = buildClientOptions(() => settings, undefined);
        assert.deepEqual(JSON.parse(JSON.stringify(options.initializationOptions)), {
            settings: {
                target: 'mint',
                severity: { convertible: 'hint', unconvertible: 'error', placeholder: 'off' },
                outputFolder: '/out',
                convertInPlace: false,
            },
        });
    });

    it('selects Python files and untitled Python documents', () => {
        const options = buildClientOptions(() => settings, undefined);
        assert.deepEqual(options.documentSelector, [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
        ]);
    });

    it('answers workspace/configuration for our section with the validated settings', async () => {
        const options = buildClientOptions(() => settings, undefined);
        const configuration = options.middleware?.workspace?.configuration;
        assert.ok(configuration);
        const params = { items: [{ section: 'mindconverter' }, { section: 'editor' }] };
        const next = () => [{ raw: true }, { tabSize: 4 }];
        const result = await configuration(params, {} as never, next as never);
        assert.deepEqual(result, [settings, { tabSize: 4 }]);
    });
});

describe('patchConfigurationResult', () => {
    it('replaces only the items of the mindconverter section', () => {
        const result = patchConfigurationResult(
            [{ section: 'python' }, { section: 'mindconverter', scopeUri: 'file:///ws' }, {}],
            ['a', 'b', 'c'],
            () => DEFAULT_SERVER_SETTINGS,
        );
        assert.deepEqual(result, ['a', DEFAULT_SERVER_SETTINGS, 'c']);
    });
});

/** A controller whose outside world is recorded. */
function harness(options: {
    config?: Record<string, unknown>;
    pythonExtension?: () => Promise<string | undefined>;
    check?: (command: readonly string[]) => InterpreterCheck;
}) {
    const config: Record<string, unknown> = { ...(options.config ?? {}) };
    const created: { client: FakeClient; serverOptions: ServerOptions; clientOptions: LanguageClientOptions }[] = [];
    const checked: string[][] = [];
    const problems: { check: InterpreterCheck; command: readonly string[] }[] = [];
    const deps: ServerDependencies = {
        readSettings: () => readSettings(configOf(config), { workspaceFolder: '/ws' }),
        pythonExtensionInterpreter: options.pythonExtension ?? (() => Promise.resolve(undefined)),
        checkImport: (command) => {
            checked.push([...command]);
            return Promise.resolve(options.check?.(command) ?? { ok: true });
        },
        notifyProblem: (check, command) => {
            problems.push({ check, command });
            return Promise.resolve();
        },
        createClient: (serverOptions, clientOptions) => {
            const client = new FakeClient();
            created.push({ client, serverOptions, clientOptions });
            return client;
        },
        workspaceRoot: () => '/ws',
        outputChannel: undefined,
    };
    return { controller: new ServerController(deps), config, created, checked, problems };
}

describe('ServerController', () => {
    it('falls back to python3 when neither the setting nor the Python extension gives an interpreter', async () => {
        const h = harness({});
        const outcome = await h.controller.restart();
        assert.equal(outcome.started, true);
        assert.deepEqual(h.checked, [['python3']]);
        const serverOptions = h.created[0]!.serverOptions as { command: string; args: string[] };
        assert.equal(serverOptions.command, 'python3');
        assert.deepEqual(serverOptions.args, ['-m', 'mindconverter.server']);
        assert.equal(h.controller.client, h.created[0]!.client);
    });

    it("uses the Python extension's interpreter when the setting is empty", async () => {
        const h = harness({ pythonExtension: () => Promise.resolve('/envs/ms/bin/python') });
        const outcome = await h.controller.restart();
        assert.ok(outcome.started);
        assert.equal(outcome.interpreter.source, 'python-extension');
        assert.equal((h.created[0]!.serverOptions as { command: string }).command, '/envs/ms/bin/python');
    });

    it('prefers the setting over the Python extension and passes serverArgs', async () => {
        const h = harness({
            config: { interpreter: ['${workspaceFolder}/.venv/bin/python'], serverArgs: ['--verbose'] },
            pythonExtension: () => Promise.reject(new Error('must not be asked')),
        });
        await h.controller.restart();
        const serverOptions = h.created[0]!.serverOptions as { command: string; args: string[] };
        assert.equal(serverOptions.command, '/ws/.venv/bin/python');
        assert.deepEqual(serverOptions.args, ['-m', 'mindconverter.server', '--verbose']);
    });

    it('does not start a server when the interpreter lacks the package, and says why', async () => {
        const h = harness({
            check: () => ({ ok: false, reason: 'missing-package', detail: "No module named 'mindconverter'" }),
        });
        const outcome = await h.controller.restart();
        assert.equal(outcome.started, false);
        assert.equal(h.created.length, 0);
        assert.equal(h.problems.length, 1);
        assert.deepEqual(h.problems[0]!.command, ['python3']);
        assert.equal(h.controller.client, undefined);
    });

    it('stops the old server before starting a new one', async () => {
        const h = harness({});
        await h.controller.restart();
        await h.controller.restart();
        assert.equal(h.created.length, 2);
        assert.equal(h.created[0]!.client.stopCount, 1);
        assert.equal(h.created[1]!.client.running, true);
        assert.equal(h.controller.client, h.created[1]!.client);
    });

    it('runs overlapping restarts one after another', async () => {
        const h = harness({});
        await Promise.all([h.controller.restart(), h.controller.restart(), h.controller.restart()]);
        assert.equal(h.created.length, 3);
        assert.deepEqual(
            h.created.map(({ client }) => client.running),
            [false, false, true],
        );
    });

    it('pushes changed settings to the running server as didChangeConfiguration', async () => {
        const h = harness({});
        await h.controller.restart();
        h.config.target = 'mint';
        h.config['severity.placeholder'] = 'error';
        h.config.outputFolder = 'converted';
        await h.controller.onConfigurationChanged('notify');
        const client = h.created[0]!.client;
        assert.deepEqual(client.notifications, [
            {
                method: 'workspace/didChangeConfiguration',
                params: {
                    settings: {
                        target: 'mint',
                        severity: { convertible: 'information', unconvertible: 'warning', placeholder: 'error' },
                        outputFolder: '/ws/converted',
                        convertInPlace: false,
                    },
                },
            },
        ]);
        const configuration = h.created[0]!.clientOptions.middleware?.workspace?.configuration;
        const pulled = await configuration!(
            { items: [{ section: 'mindconverter' }] },
            {} as never,
            (() => [{}]) as never,
        );
        assert.deepEqual(pulled, [(client.notifications[0]!.params as { settings: unknown }).settings]);
    });

    it('restarts when the interpreter setting changes', async () => {
        const h = harness({});
        await h.controller.restart();
        h.config.interpreter = '/opt/python3.11';
        await h.controller.onConfigurationChanged('restart');
        assert.equal(h.created.length, 2);
        assert.equal((h.created[1]!.serverOptions as { command: string }).command, '/opt/python3.11');
    });

    it('stop() leaves no running client', async () => {
        const h = harness({});
        await h.controller.restart();
        await h.controller.stop();
        assert.equal(h.controller.client, undefined);
        assert.equal(h.created[0]!.client.stopCount, 1);
    });
});
