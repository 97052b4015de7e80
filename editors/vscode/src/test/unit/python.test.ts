// SPDX-License-Identifier: Apache-2.0
import './support/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import {
    checkServerImport,
    InterpreterActions,
    interpreterProblemMessage,
    notifyInterpreterProblem,
    resolveInterpreter,
} from '../../common/python';
import * as vscodeapi from '../../common/vscodeapi';

describe('resolveInterpreter', () => {
    it('takes the setting first, without asking the Python extension', async () => {
        let asked = false;
        const resolved = await resolveInterpreter(['/venv/bin/python'], () => {
            asked = true;
            return Promise.resolve('/other/python');
        });
        assert.deepEqual(resolved, { command: ['/venv/bin/python'], source: 'setting' });
        assert.equal(asked, false);
    });

    it("then the Python extension's active interpreter", async () => {
        const resolved = await resolveInterpreter([], () => Promise.resolve('/envs/ms/bin/python'));
        assert.deepEqual(resolved, { command: ['/envs/ms/bin/python'], source: 'python-extension' });
    });

    it('then python3, when the extension is missing or has no interpreter', async () => {
        assert.deepEqual(await resolveInterpreter([], () => Promise.resolve(undefined)), {
            command: ['python3'],
            source: 'default',
        });
        assert.deepEqual(await resolveInterpreter([], () => Promise.resolve('')), {
            command: ['python3'],
            source: 'default',
        });
    });

    it('then python3, when the Python extension fails', async () => {
        const resolved = await resolveInterpreter([], () => Promise.reject(new Error('extension crashed')));
        assert.equal(resolved.source, 'default');
    });
});

describe('checkServerImport', () => {
    let dir: string;
    const savedPythonPath = process.env.PYTHONPATH;

    function script(name: string, body: string): string {
        const file = path.join(dir, name);
        fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        return file;
    }

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-python-'));
    });

    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    afterEach(() => {
        if (savedPythonPath === undefined) {
            delete process.env.PYTHONPATH;
        } else {
            process.env.PYTHONPATH = savedPythonPath;
        }
    });

    it('passes -c "import mindconverter.server" after the interpreter arguments', async () => {
        const record = path.join(dir, 'args.txt');
        const fake = script('record.sh', `printf '%s\\n' "$@" > '${record}'`);
        assert.deepEqual(await checkServerImport(['/bin/sh', fake, '-X', 'dev']), { ok: true });
        assert.deepEqual(fs.readFileSync(record, 'utf8').trim().split('\n'), [
            '-X',
            'dev',
            '-c',
            'import mindconverter.server',
        ]);
    });

    it('says the package is missing when Python cannot find the module', async () => {
        const fake = script('missing.sh', `echo "ModuleNotFoundError: No module named 'mindconverter'" >&2; exit 1`);
        const check = await checkServerImport([fake]);
        assert.deepEqual(check, {
            ok: false,
            reason: 'missing-package',
            detail: "ModuleNotFoundError: No module named 'mindconverter'",
        });
    });

    it('reports another import failure with its last line', async () => {
        const fake = script(
            'broken.sh',
            `echo "Traceback" >&2; echo "ImportError: numpy.core.multiarray failed" >&2; exit 1`,
        );
        assert.deepEqual(await checkServerImport([fake]), {
            ok: false,
            reason: 'failed',
            detail: 'ImportError: numpy.core.multiarray failed',
        });
    });

    it('says when the interpreter does not exist', async () => {
        const check = await checkServerImport([path.join(dir, 'no-such-python')]);
        assert.equal(check.ok ? 'ok' : check.reason, 'not-found');
    });

    it('gives up on an interpreter that does not answer', async () => {
        const fake = script('hang.sh', 'exec sleep 5');
        const check = await checkServerImport([fake], 200);
        assert.deepEqual(check, { ok: false, reason: 'failed', detail: 'no answer within 0.2 s' });
    });

    it('runs a real python3: missing package, then found on PYTHONPATH', async () => {
        process.env.PYTHONPATH = dir;
        const missing = await checkServerImport(['python3', '-S']);
        assert.equal(!missing.ok && missing.reason, 'missing-package');
        fs.mkdirSync(path.join(dir, 'mindconverter', 'server'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'mindconverter', '__init__.py'), '');
        fs.writeFileSync(path.join(dir, 'mindconverter', 'server', '__init__.py'), '');
        assert.deepEqual(await checkServerImport(['python3', '-S']), { ok: true });
    });
});

describe('interpreter notification', () => {
    afterEach(() => mock.restoreAll());

    it('names pip install and interpreter selection when the package is missing', () => {
        const message = interpreterProblemMessage({ ok: false, reason: 'missing-package', detail: '' }, [
            '/venv/bin/python',
        ]);
        assert.match(message, /pip install mindconverter/);
        assert.match(message, /\/venv\/bin\/python/);
        assert.match(message, /select another interpreter/);
    });

    it('copies the install command for that interpreter', async () => {
        mock.method(vscodeapi, 'showErrorMessage', () => Promise.resolve(InterpreterActions.copyInstall));
        const clipboard = mock.method(vscodeapi, 'writeClipboard', () => Promise.resolve());
        await notifyInterpreterProblem(
            { ok: false, reason: 'missing-package', detail: '' },
            ['/opt/py 3/python'],
            () => {
                throw new Error('not expected');
            },
        );
        assert.deepEqual(clipboard.mock.calls[0]!.arguments, ["'/opt/py 3/python' -m pip install mindconverter"]);
    });

    it("opens the interpreter setting when the Python extension isn't installed", async () => {
        mock.method(vscodeapi, 'showErrorMessage', () => Promise.resolve(InterpreterActions.select));
        mock.method(vscodeapi, 'getExtension', () => undefined);
        const execute = mock.method(vscodeapi, 'executeCommand', () => Promise.resolve());
        await notifyInterpreterProblem({ ok: false, reason: 'not-found', detail: 'x' }, ['python3'], () => undefined);
        assert.deepEqual(execute.mock.calls[0]!.arguments, [
            'workbench.action.openSettings',
            'mindconverter.interpreter',
        ]);
    });

    it("opens the Python extension's interpreter picker when it is installed", async () => {
        mock.method(vscodeapi, 'showErrorMessage', () => Promise.resolve(InterpreterActions.select));
        mock.method(vscodeapi, 'getExtension', () => ({ id: 'ms-python.python' }));
        const execute = mock.method(vscodeapi, 'executeCommand', () => Promise.resolve());
        await notifyInterpreterProblem(
            { ok: false, reason: 'missing-package', detail: '' },
            ['python3'],
            () => undefined,
        );
        assert.deepEqual(execute.mock.calls[0]!.arguments, ['python.setInterpreter']);
    });

    it('shows the output when asked', async () => {
        mock.method(vscodeapi, 'showErrorMessage', () => Promise.resolve(InterpreterActions.showOutput));
        let shown = 0;
        await notifyInterpreterProblem(
            { ok: false, reason: 'failed', detail: 'boom' },
            ['python3'],
            () => (shown += 1),
        );
        assert.equal(shown, 1);
    });
});
