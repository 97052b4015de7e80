// SPDX-License-Identifier: Apache-2.0
/**
 * Settings: read the `mindconverter.*` configuration, validate it, and shape what the server
 * receives (`initializationOptions` and `workspace/didChangeConfiguration`, both `{ settings }`).
 */
import * as path from 'path';
import type { Uri } from 'vscode';
import { CONFIG_SECTION } from './constants';
import { resolveVariables, VariableContext } from './utilities';
import { getConfiguration, getWorkspaceFolder, getWorkspaceFolders } from './vscodeapi';

export const TARGETS = ['nn_ops', 'mint'] as const;
export type Target = (typeof TARGETS)[number];

export const SEVERITY_NAMES = ['error', 'warning', 'information', 'hint', 'off'] as const;
export type SeverityName = (typeof SEVERITY_NAMES)[number];

export const SEVERITY_CATEGORIES = ['convertible', 'unconvertible', 'placeholder'] as const;
export type SeverityCategory = (typeof SEVERITY_CATEGORIES)[number];

/** The settings payload the server understands (the `settings` object). */
export interface ServerSettings {
    target: Target;
    severity: Record<SeverityCategory, SeverityName>;
    /** Absolute folder for conversion results, or null for "beside the input". */
    outputFolder: string | null;
    convertInPlace: boolean;
}

/** Everything the extension reads from the configuration. */
export interface ExtensionSettings {
    /** Interpreter command: executable first, then its own arguments. Empty: not set. */
    interpreter: string[];
    /** Arguments appended after `-m mindconverter.server`. */
    serverArgs: string[];
    server: ServerSettings;
}

/** The defaults, identical to the ones in package.json (a unit test checks this). */
export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
    target: 'nn_ops',
    severity: { convertible: 'information', unconvertible: 'warning', placeholder: 'warning' },
    outputFolder: null,
    convertInPlace: false,
};

/** Setting keys whose change needs a new server process. */
export const RESTART_KEYS = ['interpreter', 'serverArgs'] as const;
/** Setting keys the running server takes through `workspace/didChangeConfiguration`. */
export const SERVER_KEYS = ['target', 'severity', 'outputFolder', 'convertInPlace'] as const;

/** Reads one key of the `mindconverter` section (a `WorkspaceConfiguration` fits). */
export interface ConfigReader {
    get(key: string): unknown;
}

/** Settings plus what was wrong with the raw values (logged, then replaced by defaults). */
export interface SettingsResult {
    settings: ExtensionSettings;
    problems: string[];
}

/** Read and validate every setting. Invalid values fall back to their defaults. */
export function readSettings(config: ConfigReader, vars: VariableContext): SettingsResult {
    const problems: string[] = [];
    const settings: ExtensionSettings = {
        interpreter: readInterpreter(config.get('interpreter'), vars, problems),
        serverArgs: readStringArray('serverArgs', config.get('serverArgs'), problems),
        server: {
            target: readTarget(config.get('target'), problems),
            severity: readSeverity(config, problems),
            outputFolder: readOutputFolder(config.get('outputFolder'), vars, problems),
            convertInPlace: readBoolean('convertInPlace', config.get('convertInPlace'), problems),
        },
    };
    return { settings, problems };
}

/** `initializationOptions` for the server. */
export function initializationOptions(server: ServerSettings): { settings: ServerSettings } {
    return { settings: server };
}

/** What a configuration change means for the running server. */
export type ChangeAction = 'restart' | 'notify' | 'none';

/**
 * Classify a configuration change.
 *
 * @param affects `ConfigurationChangeEvent.affectsConfiguration`, bound to the event.
 */
export function classifyChange(affects: (section: string) => boolean): ChangeAction {
    if (RESTART_KEYS.some((key) => affects(`${CONFIG_SECTION}.${key}`))) {
        return 'restart';
    }
    if (SERVER_KEYS.some((key) => affects(`${CONFIG_SECTION}.${key}`))) {
        return 'notify';
    }
    return 'none';
}

function readInterpreter(value: unknown, vars: VariableContext, problems: string[]): string[] {
    if (value === undefined || value === null || value === '') {
        return [];
    }
    const parts = typeof value === 'string' ? [value] : readStringArray('interpreter', value, problems);
    const resolved = parts.map((part) => resolveVariables(part, vars)).filter((part) => part.trim() !== '');
    return resolved;
}

function readStringArray(key: string, value: unknown, problems: string[]): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
        return [...value];
    }
    problems.push(`${CONFIG_SECTION}.${key} must be an array of strings, got ${JSON.stringify(value)}`);
    return [];
}

function readTarget(value: unknown, problems: string[]): Target {
    if (value === undefined || value === null) {
        return DEFAULT_SERVER_SETTINGS.target;
    }
    const normalized = typeof value === 'string' ? value.trim().toLowerCase() : '';
    const aliases: Record<string, Target> = { nn_ops: 'nn_ops', 'nn/ops': 'nn_ops', nn: 'nn_ops', mint: 'mint' };
    const target = aliases[normalized];
    if (target === undefined) {
        problems.push(`${CONFIG_SECTION}.target must be one of ${TARGETS.join(', ')}, got ${JSON.stringify(value)}`);
        return DEFAULT_SERVER_SETTINGS.target;
    }
    return target;
}

function readSeverity(config: ConfigReader, problems: string[]): Record<SeverityCategory, SeverityName> {
    const severity = { ...DEFAULT_SERVER_SETTINGS.severity };
    for (const category of SEVERITY_CATEGORIES) {
        const value = config.get(`severity.${category}`);
        if (value === undefined || value === null) {
            continue;
        }
        const normalized = typeof value === 'string' ? value.trim().toLowerCase() : '';
        const name = normalized === 'info' ? 'information' : normalized;
        if ((SEVERITY_NAMES as readonly string[]).includes(name)) {
            severity[category] = name as SeverityName;
        } else {
            problems.push(
                `${CONFIG_SECTION}.severity.${category} must be one of ${SEVERITY_NAMES.join(', ')}, got ${JSON.stringify(value)}`,
            );
        }
    }
    return severity;
}

function readOutputFolder(value: unknown, vars: VariableContext, problems: string[]): string | null {
    if (value === undefined || value === null) {
        return null;
    }
    if (typeof value !== 'string') {
        problems.push(`${CONFIG_SECTION}.outputFolder must be a string, got ${JSON.stringify(value)}`);
        return null;
    }
    const expanded = resolveVariables(value.trim(), vars);
    if (expanded === '') {
        return null;
    }
    if (path.isAbsolute(expanded)) {
        return path.normalize(expanded);
    }
    if (vars.workspaceFolder === undefined) {
        problems.push(
            `${CONFIG_SECTION}.outputFolder "${value}" is relative and no folder is open: results go beside the input`,
        );
        return null;
    }
    return path.resolve(vars.workspaceFolder, expanded);
}

function readBoolean(key: string, value: unknown, problems: string[]): boolean {
    if (value === undefined || value === null) {
        return false;
    }
    if (typeof value === 'boolean') {
        return value;
    }
    problems.push(`${CONFIG_SECTION}.${key} must be true or false, got ${JSON.stringify(value)}`);
    return false;
}

/** Read the settings that apply to `resource` (or to the first workspace folder). */
export function getExtensionSettings(resource?: Uri): SettingsResult {
    const folder = resource !== undefined ? getWorkspaceFolder(resource) : getWorkspaceFolders()[0];
    const config = getConfiguration(CONFIG_SECTION, folder?.uri);
    return readSettings(config, { workspaceFolder: folder?.uri.fsPath });
}
