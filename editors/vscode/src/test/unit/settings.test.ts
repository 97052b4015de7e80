// SPDX-License-Identifier: Apache-2.0
import './support/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
    classifyChange,
    DEFAULT_SERVER_SETTINGS,
    readSettings,
    RESTART_KEYS,
    SERVER_KEYS,
    SEVERITY_CATEGORIES,
    SEVERITY_NAMES,
    TARGETS,
} from '../../common/settings';
import { configOf } from './support/fakes';

const vars = { workspaceFolder: '/ws', userHome: '/home/me', env: { VENV: '/envs/ms' } };

interface ManifestProperty {
    default?: unknown;
    enum?: string[];
    type?: string | string[];
}

function manifestProperties(): Record<string, ManifestProperty> {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
        contributes: { configuration: { properties: Record<string, ManifestProperty> } };
    };
    return manifest.contributes.configuration.properties;
}

describe('readSettings', () => {
    it('gives the defaults for an empty configuration', () => {
        const { settings, problems } = readSettings(configOf({}), vars);
        assert.deepEqual(settings, { interpreter: [], serverArgs: [], server: DEFAULT_SERVER_SETTINGS });
        assert.deepEqual(problems, []);
    });

    it('reads every server setting', () => {
        const { settings, problems } = readSettings(
            configOf({
                target: 'mint',
                'severity.convertible': 'hint',
                'severity.unconvertible': 'error',
                'severity.placeholder': 'off',
                outputFolder: '/tmp/out',
                convertInPlace: true,
            }),
            vars,
        );
        assert.deepEqual(problems, []);
        assert.deepEqual(settings.server, {
            target: 'mint',
            severity: { convertible: 'hint', unconvertible: 'error', placeholder: 'off' },
            outputFolder: '/tmp/out',
            convertInPlace: true,
        });
    });

    it('accepts the interpreter as a string or as a command with arguments', () => {
        assert.deepEqual(readSettings(configOf({ interpreter: '/usr/bin/python3.11' }), vars).settings.interpreter, [
            '/usr/bin/python3.11',
        ]);
        assert.deepEqual(
            readSettings(configOf({ interpreter: ['conda', 'run', '-n', 'ms', 'python'] }), vars).settings.interpreter,
            ['conda', 'run', '-n', 'ms', 'python'],
        );
    });

    it('keeps a path with spaces in one piece', () => {
        const { settings } = readSettings(configOf({ interpreter: '/opt/my envs/bin/python' }), vars);
        assert.deepEqual(settings.interpreter, ['/opt/my envs/bin/python']);
    });

    it('expands variables in the interpreter', () => {
        const { settings } = readSettings(
            configOf({ interpreter: ['${workspaceFolder}/.venv/bin/python', '${env:VENV}', '~/py'] }),
            vars,
        );
        assert.deepEqual(settings.interpreter, ['/ws/.venv/bin/python', '/envs/ms', '/home/me/py']);
    });

    it('resolves a relative output folder against the workspace folder', () => {
        assert.equal(
            readSettings(configOf({ outputFolder: 'out/ms' }), vars).settings.server.outputFolder,
            '/ws/out/ms',
        );
        assert.equal(
            readSettings(configOf({ outputFolder: '${userHome}/converted/' }), vars).settings.server.outputFolder,
            '/home/me/converted/',
        );
    });

    it('sends null for an empty output folder', () => {
        assert.equal(readSettings(configOf({ outputFolder: '  ' }), vars).settings.server.outputFolder, null);
    });

    it('drops a relative output folder when no folder is open, and says so', () => {
        const { settings, problems } = readSettings(configOf({ outputFolder: 'out' }), { userHome: '/home/me' });
        assert.equal(settings.server.outputFolder, null);
        assert.match(problems[0]!, /relative and no folder is open/);
    });

    it('replaces invalid values by their defaults and reports each one', () => {
        const { settings, problems } = readSettings(
            configOf({
                target: 'tensorflow',
                'severity.convertible': 'loud',
                serverArgs: '--verbose',
                interpreter: [1, 2],
                outputFolder: 7,
                convertInPlace: 'yes',
            }),
            vars,
        );
        assert.deepEqual(settings, { interpreter: [], serverArgs: [], server: DEFAULT_SERVER_SETTINGS });
        assert.equal(problems.length, 6);
        assert.match(problems.join('\n'), /mindconverter\.target must be one of nn_ops, mint/);
        assert.match(problems.join('\n'), /mindconverter\.severity\.convertible must be one of/);
    });

    it('normalizes target and severity spellings the server also accepts', () => {
        const { settings, problems } = readSettings(
            configOf({ target: 'nn/ops', 'severity.convertible': 'Info' }),
            vars,
        );
        assert.deepEqual(problems, []);
        assert.equal(settings.server.target, 'nn_ops');
        assert.equal(settings.server.severity.convertible, 'information');
    });
});

describe('classifyChange', () => {
    const affecting =
        (...keys: string[]) =>
        (section: string) =>
            keys.some((key) => key === section || key.startsWith(`${section}.`));

    it('restarts for the interpreter and server arguments', () => {
        assert.equal(classifyChange(affecting('mindconverter.interpreter')), 'restart');
        assert.equal(classifyChange(affecting('mindconverter.serverArgs')), 'restart');
    });

    it('notifies the running server for target, severities, output folder', () => {
        assert.equal(classifyChange(affecting('mindconverter.target')), 'notify');
        assert.equal(classifyChange(affecting('mindconverter.severity.placeholder')), 'notify');
        assert.equal(classifyChange(affecting('mindconverter.outputFolder')), 'notify');
    });

    it('prefers a restart when both kinds change', () => {
        assert.equal(classifyChange(affecting('mindconverter.target', 'mindconverter.interpreter')), 'restart');
    });

    it('ignores the trace level (the client handles it) and other extensions', () => {
        assert.equal(classifyChange(affecting('mindconverter.trace.server')), 'none');
        assert.equal(classifyChange(affecting('python.defaultInterpreterPath')), 'none');
    });
});

describe('package.json settings', () => {
    const properties = manifestProperties();

    it('declares every key the extension reads, and nothing else', () => {
        const read = [
            ...RESTART_KEYS,
            'target',
            ...SEVERITY_CATEGORIES.map((category) => `severity.${category}`),
            'outputFolder',
            'convertInPlace',
            'trace.server',
        ].map((key) => `mindconverter.${key}`);
        assert.deepEqual(Object.keys(properties).sort(), read.sort());
        assert.ok(
            SERVER_KEYS.every((key) => Object.keys(properties).some((name) => name.startsWith(`mindconverter.${key}`))),
        );
    });

    it('has the same defaults as the code', () => {
        const fromManifest = readSettings(
            configOf(
                Object.fromEntries(
                    Object.entries(properties).map(([name, property]) => [
                        name.replace(/^mindconverter\./, ''),
                        property.default,
                    ]),
                ),
            ),
            vars,
        );
        assert.deepEqual(fromManifest.problems, []);
        assert.deepEqual(fromManifest.settings.server, DEFAULT_SERVER_SETTINGS);
    });

    it('offers exactly the targets and severities the code accepts', () => {
        assert.deepEqual(properties['mindconverter.target']!.enum, [...TARGETS]);
        for (const category of SEVERITY_CATEGORIES) {
            assert.deepEqual(properties[`mindconverter.severity.${category}`]!.enum, [...SEVERITY_NAMES]);
        }
    });
});
