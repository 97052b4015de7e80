// SPDX-License-Identifier: Apache-2.0
/** Activation wiring: commands, the interpreter check, and what configuration changes do. */
import './support/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import type { ExtensionContext } from 'vscode';
import { activate, deactivate } from '../../extension';
import { Commands } from '../../common/constants';
import * as server from '../../common/server';
import * as vscodeapi from '../../common/vscodeapi';
import { FakeUri } from './support/fakeVscode';
import { configOf, FakeClient } from './support/fakes';

interface Harness {
    config: Record<string, unknown>;
    commands: string[];
    errors: string[];
    clients: FakeClient[];
    launches: { command: string; args: string[] }[];
    changeConfiguration(...sections: string[]): void;
    context: ExtensionContext;
}

function harness(config: Record<string, unknown>): Harness {
    const h: Harness = {
        config,
        commands: [],
        errors: [],
        clients: [],
        launches: [],
        changeConfiguration: () => undefined,
        context: {
            subscriptions: [] as { dispose(): unknown }[],
            extension: { packageJSON: { version: '0.1.0' } },
        } as unknown as ExtensionContext,
    };
    const channel = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, show() {}, dispose() {} };
    mock.method(vscodeapi, 'createOutputChannel', () => channel);
    mock.method(vscodeapi, 'registerCommand', (command: string) => {
        h.commands.push(command);
        return { dispose: () => undefined };
    });
    mock.method(vscodeapi, 'onDidChangeConfiguration', (listener: (event: unknown) => void) => {
        h.changeConfiguration = (...sections) => {
            listener({ affectsConfiguration: (section: string) => sections.some((key) => key.startsWith(section)) });
        };
        return { dispose: () => undefined };
    });
    mock.method(vscodeapi, 'getWorkspaceFolders', () => [{ uri: FakeUri.file('/ws') }]);
    mock.method(vscodeapi, 'getWorkspaceFolder', () => ({ uri: FakeUri.file('/ws') }));
    mock.method(vscodeapi, 'getConfiguration', () => configOf(h.config));
    mock.method(vscodeapi, 'getExtension', () => undefined);
    mock.method(vscodeapi, 'showErrorMessage', (message: string) => {
        h.errors.push(message);
        return Promise.resolve(undefined);
    });
    mock.method(server, 'createLanguageClient', (serverOptions: { command: string; args: string[] }) => {
        const client = new FakeClient();
        h.clients.push(client);
        h.launches.push({ command: serverOptions.command, args: serverOptions.args });
        return client;
    });
    return h;
}

const settle = (ms = 450) => new Promise((resolve) => setTimeout(resolve, ms));

describe('activate', () => {
    let dir: string;
    let good: string;
    let missing: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-activate-'));
        good = path.join(dir, 'good-python');
        missing = path.join(dir, 'bare-python');
        fs.writeFileSync(good, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
        fs.writeFileSync(
            missing,
            `#!/bin/sh\necho "ModuleNotFoundError: No module named 'mindconverter'" >&2\nexit 1\n`,
            {
                mode: 0o755,
            },
        );
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    afterEach(async () => {
        await deactivate();
        mock.restoreAll();
    });

    it('registers the commands and starts the server with the configured interpreter', async () => {
        const h = harness({ interpreter: [good], serverArgs: ['--log-level', 'DEBUG'] });
        await activate(h.context);
        assert.deepEqual([...h.commands].sort(), Object.values(Commands).sort());
        assert.deepEqual(h.launches, [{ command: good, args: ['-m', 'mindconverter.server', '--log-level', 'DEBUG'] }]);
        assert.equal(h.clients[0]!.running, true);
        assert.deepEqual(h.errors, []);
    });

    it('does not start the server when the interpreter lacks the package, and says how to fix it', async () => {
        const h = harness({ interpreter: missing });
        await activate(h.context);
        await settle(50);
        assert.equal(h.launches.length, 0);
        assert.equal(h.errors.length, 1);
        assert.match(h.errors[0]!, /cannot import mindconverter\.server/);
        assert.match(h.errors[0]!, /pip install mindconverter/);
    });

    it('starts the server once the interpreter setting is fixed', async () => {
        const h = harness({ interpreter: missing });
        await activate(h.context);
        h.config.interpreter = good;
        h.changeConfiguration('mindconverter.interpreter');
        await settle();
        assert.equal(h.launches.length, 1);
        assert.equal(h.launches[0]!.command, good);
    });

    it('sends a burst of setting changes to the running server once', async () => {
        const h = harness({ interpreter: good });
        await activate(h.context);
        h.config.target = 'mint';
        h.changeConfiguration('mindconverter.target');
        h.config['severity.placeholder'] = 'error';
        h.changeConfiguration('mindconverter.severity.placeholder');
        h.changeConfiguration('editor.fontSize');
        await settle();
        const client = h.clients[0]!;
        assert.equal(h.launches.length, 1, 'no restart for server settings');
        assert.equal(client.notifications.length, 1);
        assert.deepEqual(client.notifications[0], {
            method: 'workspace/didChangeConfiguration',
            params: {
                settings: {
                    target: 'mint',
                    severity: { convertible: 'information', unconvertible: 'warning', placeholder: 'error' },
                    outputFolder: null,
                    convertInPlace: false,
                },
            },
        });
    });

    it('restarts, rather than notifies, when the burst includes the server arguments', async () => {
        const h = harness({ interpreter: good });
        await activate(h.context);
        h.changeConfiguration('mindconverter.target');
        h.config.serverArgs = ['--log-level', 'INFO'];
        h.changeConfiguration('mindconverter.serverArgs');
        await settle();
        assert.equal(h.launches.length, 2);
        assert.deepEqual(h.launches[1]!.args, ['-m', 'mindconverter.server', '--log-level', 'INFO']);
        assert.equal(h.clients[0]!.running, false);
        assert.deepEqual(h.clients[0]!.notifications, []);
    });

    it('stops the server on deactivate', async () => {
        const h = harness({ interpreter: good });
        await activate(h.context);
        await deactivate();
        assert.equal(h.clients[0]!.running, false);
    });
});
