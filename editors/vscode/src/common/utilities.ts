// SPDX-License-Identifier: Apache-2.0
/** Small helpers with no VS Code dependency. */
import * as os from 'os';
import * as path from 'path';

/** What `${...}` variables in settings expand to. */
export interface VariableContext {
    /** Root of the workspace folder the setting applies to, when there is one. */
    workspaceFolder?: string;
    /** Home directory (`${userHome}`, `~`). */
    userHome?: string;
    /** Environment (`${env:NAME}`). */
    env?: NodeJS.ProcessEnv;
}

/** Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in `value`. */
export function resolveVariables(value: string, context: VariableContext): string {
    const home = context.userHome ?? os.homedir();
    const env = context.env ?? process.env;
    let result = value.replace(
        /\$\{(workspaceFolder|userHome|env:([^}]+))\}/g,
        (whole, name: string, envName?: string) => {
            if (envName !== undefined) {
                return env[envName] ?? '';
            }
            if (name === 'userHome') {
                return home;
            }
            return context.workspaceFolder ?? whole;
        },
    );
    if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
        result = path.join(home, result.slice(1));
    }
    return result;
}

/** Call `fn` once `waitMs` after the last of a burst of calls. */
export function debounce<A extends unknown[]>(
    fn: (...args: A) => void,
    waitMs: number,
): ((...args: A) => void) & { cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    const debounced = (...args: A): void => {
        if (timer !== undefined) {
            clearTimeout(timer);
        }
        timer = setTimeout(() => {
            timer = undefined;
            fn(...args);
        }, waitMs);
    };
    debounced.cancel = (): void => {
        if (timer !== undefined) {
            clearTimeout(timer);
            timer = undefined;
        }
    };
    return debounced;
}

/** The message of anything thrown (a ResponseError, an Error, a string). */
export function errorMessage(error: unknown): string {
    if (error instanceof Error) {
        return error.message;
    }
    if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
        return error.message;
    }
    return String(error);
}

/** Quote one command-line argument for display (logs and messages), POSIX style. */
export function quoteArg(arg: string): string {
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line for display. */
export function formatCommand(command: readonly string[]): string {
    return command.map(quoteArg).join(' ');
}
