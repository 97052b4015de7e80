// SPDX-License-Identifier: Apache-2.0
/** One place to log to: the extension's LogOutputChannel, registered once at activation. */
import * as util from 'util';

/** The part of `vscode.LogOutputChannel` the logger writes to. */
export interface LogSink {
    trace(message: string): void;
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
}

let sink: LogSink | undefined;

/** Route log calls to `channel` until the returned disposable is disposed. */
export function registerLogger(channel: LogSink): { dispose(): void } {
    sink = channel;
    return {
        dispose: () => {
            if (sink === channel) {
                sink = undefined;
            }
        },
    };
}

function format(parts: unknown[]): string {
    return parts
        .map((part) =>
            typeof part === 'string' ? part : part instanceof Error ? (part.stack ?? part.message) : util.inspect(part),
        )
        .join(' ');
}

export function traceLog(...parts: unknown[]): void {
    sink?.info(format(parts));
}

export function traceInfo(...parts: unknown[]): void {
    sink?.info(format(parts));
}

export function traceWarn(...parts: unknown[]): void {
    sink?.warn(format(parts));
}

export function traceError(...parts: unknown[]): void {
    sink?.error(format(parts));
}

export function traceVerbose(...parts: unknown[]): void {
    sink?.debug(format(parts));
}
