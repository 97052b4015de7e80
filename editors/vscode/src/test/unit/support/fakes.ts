// SPDX-License-Identifier: Apache-2.0
/** Test doubles: a language client that records what it is sent, and a settings reader. */
import type { ProgressType } from 'vscode-languageserver-protocol';
import type { ServerClient } from '../../../common/server';
import type { ConfigReader } from '../../../common/settings';

export interface RecordedRequest {
    method: string;
    params: { command?: string; arguments?: unknown[]; workDoneToken?: string } & Record<string, unknown>;
    token: unknown;
    /** How many arguments sendRequest got (an explicit `undefined` token counts). */
    argumentCount: number;
}

type CommandHandler = (args: unknown[], client: FakeClient) => unknown;

/** Answers `workspace/executeCommand` from `commands`; records everything. */
export class FakeClient implements ServerClient {
    readonly requests: RecordedRequest[] = [];
    readonly notifications: { method: string; params: unknown }[] = [];
    readonly progressHandlers = new Map<string | number, (value: unknown) => void>();
    running = false;
    startCount = 0;
    stopCount = 0;

    constructor(public commands: Record<string, CommandHandler> = {}) {}

    sendRequest<R>(method: string, param: unknown, ...rest: unknown[]): Promise<R> {
        const params = param as RecordedRequest['params'];
        this.requests.push({ method, params, token: rest[0], argumentCount: 2 + rest.length });
        const handler = params.command !== undefined ? this.commands[params.command] : undefined;
        if (method !== 'workspace/executeCommand' || handler === undefined) {
            return Promise.reject(new Error(`unhandled ${method} ${params.command ?? ''}`));
        }
        try {
            return Promise.resolve(handler(params.arguments ?? [], this) as R);
        } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
    }

    sendNotification(method: string, params: unknown): Promise<void> {
        this.notifications.push({ method, params });
        return Promise.resolve();
    }

    onProgress<P>(_type: ProgressType<P>, token: string | number, handler: (params: P) => void): { dispose(): void } {
        this.progressHandlers.set(token, handler as (value: unknown) => void);
        return { dispose: () => this.progressHandlers.delete(token) };
    }

    /** Send `$/progress` for `token`, as the server would. */
    progress(token: string | number, value: unknown): void {
        const handler = this.progressHandlers.get(token);
        if (handler === undefined) {
            throw new Error(`no progress handler for ${String(token)}`);
        }
        handler(value);
    }

    isRunning(): boolean {
        return this.running;
    }

    start(): Promise<void> {
        this.startCount += 1;
        this.running = true;
        return Promise.resolve();
    }

    stop(): Promise<void> {
        this.stopCount += 1;
        this.running = false;
        return Promise.resolve();
    }

    /** The `workspace/executeCommand` requests for `command`. */
    executed(command: string): RecordedRequest[] {
        return this.requests.filter((request) => request.params.command === command);
    }
}

/** A `WorkspaceConfiguration` stand-in over flat keys (`severity.placeholder`). */
export function configOf(values: Record<string, unknown>): ConfigReader {
    return {
        get(key: string): unknown {
            return values[key];
        },
    };
}
