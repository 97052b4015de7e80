// SPDX-License-Identifier: Apache-2.0
/**
 * Thin wrappers over the VS Code API. Everything else calls these, so the unit tests can replace
 * them (`mock.method(vscodeapi, 'showInputBox', ...)`) without a VS Code window.
 */
import {
    commands,
    ConfigurationScope,
    Disposable,
    env,
    Extension,
    extensions,
    InputBoxOptions,
    LogOutputChannel,
    OpenDialogOptions,
    Progress,
    ProgressOptions,
    TextDocument,
    TextDocumentShowOptions,
    TextEditor,
    Uri,
    window,
    workspace,
    WorkspaceConfiguration,
    WorkspaceFolder,
    CancellationToken,
    ConfigurationChangeEvent,
} from 'vscode';

export function createOutputChannel(name: string): LogOutputChannel {
    return window.createOutputChannel(name, { log: true });
}

export function getConfiguration(section: string, scope?: ConfigurationScope): WorkspaceConfiguration {
    return workspace.getConfiguration(section, scope);
}

export function onDidChangeConfiguration(listener: (e: ConfigurationChangeEvent) => unknown): Disposable {
    return workspace.onDidChangeConfiguration(listener);
}

export function registerCommand(command: string, callback: (...args: unknown[]) => unknown): Disposable {
    return commands.registerCommand(command, callback);
}

export function executeCommand<T = unknown>(command: string, ...rest: unknown[]): Thenable<T> {
    return commands.executeCommand<T>(command, ...rest);
}

export function getWorkspaceFolders(): readonly WorkspaceFolder[] {
    return workspace.workspaceFolders ?? [];
}

export function getWorkspaceFolder(uri: Uri): WorkspaceFolder | undefined {
    return workspace.getWorkspaceFolder(uri);
}

export function getActiveTextEditor(): TextEditor | undefined {
    return window.activeTextEditor;
}

export function getExtension<T>(extensionId: string): Extension<T> | undefined {
    return extensions.getExtension<T>(extensionId);
}

export function showOpenDialog(options: OpenDialogOptions): Thenable<Uri[] | undefined> {
    return window.showOpenDialog(options);
}

export function showInputBox(options: InputBoxOptions): Thenable<string | undefined> {
    return window.showInputBox(options);
}

export function showErrorMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showErrorMessage(message, ...items);
}

export function showWarningMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showWarningMessage(message, ...items);
}

export function showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
    return window.showInformationMessage(message, ...items);
}

export function withProgress<R>(
    options: ProgressOptions,
    task: (progress: Progress<{ message?: string; increment?: number }>, token: CancellationToken) => Thenable<R>,
): Thenable<R> {
    return window.withProgress(options, task);
}

export function openTextDocument(uri: Uri): Thenable<TextDocument> {
    return workspace.openTextDocument(uri);
}

export function showTextDocument(document: TextDocument, options?: TextDocumentShowOptions): Thenable<TextEditor> {
    return window.showTextDocument(document, options);
}

export function writeClipboard(text: string): Thenable<void> {
    return env.clipboard.writeText(text);
}

export function fileUri(path: string): Uri {
    return Uri.file(path);
}

export function parseUri(value: string): Uri {
    return Uri.parse(value);
}
