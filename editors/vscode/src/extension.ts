// SPDX-License-Identifier: Apache-2.0
/** Entry point: logging, commands, then the language server; restart or re-send settings on change. */
import type { ExtensionContext } from 'vscode';
import { registerCommands } from './common/commands';
import { SERVER_NAME } from './common/constants';
import { registerLogger, traceError, traceInfo } from './common/log/logging';
import {
    checkServerImport,
    getPythonExtensionInterpreter,
    notifyInterpreterProblem,
    onDidChangePythonInterpreter,
} from './common/python';
import { createLanguageClient, ServerController } from './common/server';
import { classifyChange, getExtensionSettings } from './common/settings';
import { debounce } from './common/utilities';
import { createOutputChannel, getWorkspaceFolders, onDidChangeConfiguration } from './common/vscodeapi';

let controller: ServerController | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
    const outputChannel = createOutputChannel(SERVER_NAME);
    context.subscriptions.push(outputChannel, registerLogger(outputChannel));
    traceInfo(
        `${SERVER_NAME} extension ${(context.extension.packageJSON as { version?: string }).version ?? '?'} activating.`,
    );

    const firstFolder = () => getWorkspaceFolders()[0]?.uri;
    const server = new ServerController({
        readSettings: () => getExtensionSettings(firstFolder()),
        pythonExtensionInterpreter: () => getPythonExtensionInterpreter(firstFolder()),
        checkImport: (command) => checkServerImport(command),
        notifyProblem: (check, command) => notifyInterpreterProblem(check, command, () => outputChannel.show()),
        createClient: createLanguageClient,
        workspaceRoot: () => firstFolder()?.fsPath,
        outputChannel,
    });
    controller = server;

    context.subscriptions.push(
        ...registerCommands({
            getClient: () => server.client,
            restart: () => server.restart(),
            showOutput: () => outputChannel.show(),
            getSettings: (resource) => getExtensionSettings(resource ?? firstFolder()).settings,
        }),
    );

    let pending: 'restart' | 'notify' | undefined;
    const applyChange = debounce(() => {
        const action = pending;
        pending = undefined;
        if (action !== undefined) {
            server.onConfigurationChanged(action).catch((error: unknown) => traceError('Applying settings:', error));
        }
    }, 300);
    context.subscriptions.push(
        onDidChangeConfiguration((event) => {
            const action = classifyChange((section) => event.affectsConfiguration(section));
            if (action === 'restart' || (action === 'notify' && pending === undefined)) {
                pending = action;
            }
            if (action !== 'none') {
                applyChange();
            }
        }),
        { dispose: () => applyChange.cancel() },
    );

    const pythonWatch = await onDidChangePythonInterpreter(() => {
        if (getExtensionSettings(firstFolder()).settings.interpreter.length === 0) {
            traceInfo('The Python extension changed its interpreter: restarting the server.');
            void server.restart();
        }
    });
    if (pythonWatch !== undefined) {
        context.subscriptions.push(pythonWatch);
    }

    await server.restart();
}

export async function deactivate(): Promise<void> {
    await controller?.stop();
    controller = undefined;
}
