// SPDX-License-Identifier: Apache-2.0
/**
 * The language server process: how it is launched (`<python> -m mindconverter.server
 * [serverArgs] --stdio`), what the client tells it, and its start / restart / settings life.
 */
import type { CancellationToken, LogOutputChannel } from 'vscode';
import type { ConfigurationParams, ProgressType } from 'vscode-languageserver-protocol';
import {
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    TransportKind,
} from 'vscode-languageclient/node';
import { SERVER_ID, SERVER_MODULE, SERVER_NAME, CONFIG_SECTION } from './constants';
import { traceError, traceInfo, traceLog, traceWarn } from './log/logging';
import { InterpreterCheck, ResolvedInterpreter, resolveInterpreter } from './python';
import { ChangeAction, initializationOptions, ServerSettings, SettingsResult } from './settings';
import { errorMessage, formatCommand } from './utilities';

/** The part of a LanguageClient that commands use (a fake in the unit tests). */
export interface LspClient {
    // Two overloads on purpose: an explicit `undefined` token makes vscode-jsonrpc send the
    // params as the array `[param, null]`, which the server rejects (see wire.test.ts).
    sendRequest<R>(method: string, param: unknown): Promise<R>;
    // eslint-disable-next-line @typescript-eslint/unified-signatures
    sendRequest<R>(method: string, param: unknown, token: CancellationToken): Promise<R>;
    sendNotification(method: string, params: unknown): Promise<void>;
    onProgress<P>(type: ProgressType<P>, token: string | number, handler: (params: P) => void): { dispose(): void };
    isRunning(): boolean;
}

/** A client the controller can start and stop. */
export interface ServerClient extends LspClient {
    start(): Promise<void>;
    stop(timeout?: number): Promise<void>;
}

/** Program and arguments that start the server; the client appends `--stdio` itself. */
export interface ServerCommand {
    command: string;
    args: string[];
}

/** `<interpreter...> -m mindconverter.server <serverArgs...>`. */
export function buildServerCommand(interpreter: readonly string[], serverArgs: readonly string[]): ServerCommand {
    const [command, ...interpreterArgs] = interpreter;
    if (command === undefined) {
        throw new Error('no Python interpreter given');
    }
    return { command, args: [...interpreterArgs, '-m', SERVER_MODULE, ...serverArgs] };
}

/** Launch options for vscode-languageclient: stdio transport (it appends `--stdio`). */
export function buildServerOptions(command: ServerCommand, cwd: string | undefined): ServerOptions {
    return {
        command: command.command,
        args: [...command.args],
        transport: TransportKind.stdio,
        options: cwd !== undefined ? { cwd } : {},
    };
}

/**
 * Answer `workspace/configuration` items for our section with the validated settings (the same
 * shape as `initializationOptions.settings`); other sections keep VS Code's answer.
 */
export function patchConfigurationResult(
    items: ConfigurationParams['items'],
    results: unknown[],
    settings: () => ServerSettings,
): unknown[] {
    return items.map((item, index) => (item.section === CONFIG_SECTION ? settings() : results[index]));
}

/** Client options: Python documents, settings as initialization options, one output channel. */
export function buildClientOptions(
    settings: () => ServerSettings,
    outputChannel: LogOutputChannel | undefined,
): LanguageClientOptions {
    return {
        documentSelector: [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
        ],
        outputChannel,
        traceOutputChannel: outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: initializationOptions(settings()),
        middleware: {
            workspace: {
                configuration: async (params, token, next) => {
                    const results = await next(params, token);
                    if (!Array.isArray(results)) {
                        return results;
                    }
                    return patchConfigurationResult(params.items, results, settings);
                },
            },
        },
    };
}

/** What the controller needs from the outside world (VS Code, processes). */
export interface ServerDependencies {
    readSettings(): SettingsResult;
    pythonExtensionInterpreter(): Promise<string | undefined>;
    checkImport(command: readonly string[]): Promise<InterpreterCheck>;
    notifyProblem(check: Exclude<InterpreterCheck, { ok: true }>, command: readonly string[]): Promise<void>;
    createClient(serverOptions: ServerOptions, clientOptions: LanguageClientOptions): ServerClient;
    workspaceRoot(): string | undefined;
    outputChannel: LogOutputChannel | undefined;
}

/** What the last (re)start did. */
export type StartOutcome =
    | { started: true; interpreter: ResolvedInterpreter; command: ServerCommand }
    | { started: false; interpreter?: ResolvedInterpreter; reason: string };

/** Starts, restarts and reconfigures the one language client of the window. */
export class ServerController {
    private current: ServerClient | undefined;
    private settings: ServerSettings | undefined;
    private queue: Promise<unknown> = Promise.resolve();

    constructor(private readonly deps: ServerDependencies) {}

    /** The running client, if any. */
    get client(): ServerClient | undefined {
        return this.current?.isRunning() === true ? this.current : undefined;
    }

    /** Stop the running server (if any) and start a new one. Calls run one after another. */
    restart(): Promise<StartOutcome> {
        const next = this.queue.then(() => this.doRestart());
        this.queue = next.catch(() => undefined);
        return next;
    }

    /** Stop the server. */
    stop(): Promise<void> {
        const next = this.queue.then(() => this.stopClient());
        this.queue = next.catch(() => undefined);
        return next;
    }

    /** React to a configuration change: restart, or push the new settings to the server. */
    async onConfigurationChanged(action: ChangeAction): Promise<void> {
        if (action === 'restart') {
            await this.restart();
        } else if (action === 'notify') {
            this.settings = this.readServerSettings();
            const client = this.client;
            if (client !== undefined) {
                await client.sendNotification('workspace/didChangeConfiguration', { settings: this.settings });
                traceLog('Sent settings to the server:', JSON.stringify(this.settings));
            }
        }
    }

    private readServerSettings(): ServerSettings {
        const { settings, problems } = this.deps.readSettings();
        problems.forEach((problem) => traceWarn(problem));
        return settings.server;
    }

    private async doRestart(): Promise<StartOutcome> {
        await this.stopClient();
        const { settings, problems } = this.deps.readSettings();
        problems.forEach((problem) => traceWarn(problem));
        this.settings = settings.server;
        const interpreter = await resolveInterpreter(settings.interpreter, () =>
            this.deps.pythonExtensionInterpreter(),
        );
        traceInfo(`Python interpreter (${interpreter.source}): ${formatCommand(interpreter.command)}`);
        const check = await this.deps.checkImport(interpreter.command);
        if (!check.ok) {
            void this.deps.notifyProblem(check, interpreter.command);
            return { started: false, interpreter, reason: check.detail };
        }
        const command = buildServerCommand(interpreter.command, settings.serverArgs);
        traceInfo(`Starting the server: ${formatCommand([command.command, ...command.args, '--stdio'])}`);
        const client = this.deps.createClient(
            buildServerOptions(command, this.deps.workspaceRoot()),
            buildClientOptions(() => this.settings ?? settings.server, this.deps.outputChannel),
        );
        this.current = client;
        try {
            await client.start();
        } catch (error) {
            traceError('The server failed to start:', error);
            return { started: false, interpreter, reason: errorMessage(error) };
        }
        traceInfo('Server started.');
        return { started: true, interpreter, command };
    }

    private async stopClient(): Promise<void> {
        const client = this.current;
        this.current = undefined;
        if (client === undefined) {
            return;
        }
        try {
            await client.stop(2000);
        } catch (error) {
            traceError('Stopping the server:', error);
        }
    }
}

/** The real client factory. */
export function createLanguageClient(serverOptions: ServerOptions, clientOptions: LanguageClientOptions): ServerClient {
    return new LanguageClient(SERVER_ID, SERVER_NAME, serverOptions, clientOptions);
}
