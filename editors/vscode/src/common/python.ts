// SPDX-License-Identifier: Apache-2.0
/**
 * The Python interpreter that runs the server: the `mindconverter.interpreter` setting, else the
 * Python extension's active interpreter (when that extension is installed), else `python3`; and
 * the check that it can import the server before we start it.
 */
import { execFile } from 'child_process';
import type { Disposable, Uri } from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import { DEFAULT_PYTHON, PIP_INSTALL, PYTHON_EXTENSION_ID, SERVER_MODULE } from './constants';
import { traceError, traceLog, traceVerbose } from './log/logging';
import { errorMessage, formatCommand } from './utilities';
import { executeCommand, getExtension, showErrorMessage, writeClipboard } from './vscodeapi';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface ResolvedInterpreter {
    /** Executable first, then its own arguments. */
    command: string[];
    source: InterpreterSource;
}

/**
 * Pick the interpreter: the setting when set, else what `fromPythonExtension` gives, else
 * `python3`. A failing Python extension is logged and skipped.
 */
export async function resolveInterpreter(
    setting: readonly string[],
    fromPythonExtension: () => Promise<string | undefined>,
): Promise<ResolvedInterpreter> {
    if (setting.length > 0) {
        return { command: [...setting], source: 'setting' };
    }
    try {
        const executable = await fromPythonExtension();
        if (executable !== undefined && executable !== '') {
            return { command: [executable], source: 'python-extension' };
        }
    } catch (error) {
        traceError('Could not get the interpreter from the Python extension:', error);
    }
    return { command: [DEFAULT_PYTHON], source: 'default' };
}

async function pythonApi(): Promise<PythonExtension | undefined> {
    if (getExtension(PYTHON_EXTENSION_ID) === undefined) {
        return undefined;
    }
    return PythonExtension.api();
}

/** The Python extension's active interpreter for `resource`, or undefined without that extension. */
export async function getPythonExtensionInterpreter(resource?: Uri): Promise<string | undefined> {
    const api = await pythonApi();
    if (api === undefined) {
        return undefined;
    }
    const environment = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
    const executable = environment?.executable.uri?.fsPath;
    traceVerbose(`Python extension's active interpreter: ${executable ?? '(none)'}`);
    return executable;
}

/** Call `listener` when the Python extension's active interpreter changes (when it is installed). */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<Disposable | undefined> {
    try {
        const api = await pythonApi();
        return api?.environments.onDidChangeActiveEnvironmentPath(() => listener());
    } catch (error) {
        traceError('Could not watch the Python extension interpreter:', error);
        return undefined;
    }
}

/** Result of asking the interpreter to import the server. */
export type InterpreterCheck =
    { ok: true } | { ok: false; reason: 'not-found' | 'missing-package' | 'failed'; detail: string };

/** Run `<interpreter> -c "import mindconverter.server"` and say whether the server can start. */
export function checkServerImport(command: readonly string[], timeoutMs = 30_000): Promise<InterpreterCheck> {
    const [executable, ...args] = command;
    if (executable === undefined) {
        return Promise.resolve({ ok: false, reason: 'not-found', detail: 'no interpreter given' });
    }
    return new Promise((resolve) => {
        execFile(
            executable,
            [...args, '-c', `import ${SERVER_MODULE}`],
            { timeout: timeoutMs },
            (error, _stdout, stderr) => {
                if (error === null) {
                    resolve({ ok: true });
                    return;
                }
                const code = (error as NodeJS.ErrnoException).code;
                if (code === 'ENOENT' || code === 'EACCES') {
                    resolve({
                        ok: false,
                        reason: 'not-found',
                        detail: `${executable}: ${code === 'ENOENT' ? 'not found' : 'not executable'}`,
                    });
                } else if (/No module named ['"]?mindconverter/.test(stderr)) {
                    resolve({ ok: false, reason: 'missing-package', detail: lastLine(stderr) });
                } else if (error.killed) {
                    resolve({ ok: false, reason: 'failed', detail: `no answer within ${timeoutMs / 1000} s` });
                } else {
                    resolve({ ok: false, reason: 'failed', detail: lastLine(stderr) || errorMessage(error) });
                }
            },
        );
    });
}

function lastLine(text: string): string {
    const lines = text.trim().split(/\r?\n/);
    return lines[lines.length - 1] ?? '';
}

/** The notification text for a failed check, naming the fix. */
export function interpreterProblemMessage(
    check: Exclude<InterpreterCheck, { ok: true }>,
    command: readonly string[],
): string {
    const shown = formatCommand(command);
    switch (check.reason) {
        case 'not-found':
            return `MindConverter: the Python interpreter "${shown}" was not found (${check.detail}). Select an interpreter or set "mindconverter.interpreter".`;
        case 'missing-package':
            return `MindConverter: "${shown}" cannot import ${SERVER_MODULE}. Install it into that environment (${PIP_INSTALL}) or select another interpreter.`;
        default:
            return `MindConverter: "${shown}" failed to import ${SERVER_MODULE}: ${check.detail}. See the output for details.`;
    }
}

/** The actions offered with the notification. */
export const InterpreterActions = {
    select: 'Select Interpreter',
    copyInstall: 'Copy Install Command',
    showOutput: 'Show Output',
} as const;

/**
 * Tell the user the server cannot start with this interpreter, and run the fix they pick.
 *
 * @param showOutput Shows the extension's output channel.
 */
export async function notifyInterpreterProblem(
    check: Exclude<InterpreterCheck, { ok: true }>,
    command: readonly string[],
    showOutput: () => void,
): Promise<void> {
    const message = interpreterProblemMessage(check, command);
    traceError(message);
    const choice = await showErrorMessage(
        message,
        InterpreterActions.select,
        InterpreterActions.copyInstall,
        InterpreterActions.showOutput,
    );
    if (choice === InterpreterActions.select) {
        if (getExtension(PYTHON_EXTENSION_ID) !== undefined) {
            await executeCommand('python.setInterpreter');
        } else {
            await executeCommand('workbench.action.openSettings', 'mindconverter.interpreter');
        }
    } else if (choice === InterpreterActions.copyInstall) {
        const install = formatCommand([...command, '-m', ...PIP_INSTALL.split(' ')]);
        await writeClipboard(install);
        traceLog(`Copied to the clipboard: ${install}`);
    } else if (choice === InterpreterActions.showOutput) {
        showOutput();
    }
}
