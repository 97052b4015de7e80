// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { debounce, errorMessage, formatCommand, resolveVariables } from '../../common/utilities';

describe('resolveVariables', () => {
    const context = { workspaceFolder: '/ws', userHome: '/home/me', env: { CONDA_PREFIX: '/conda' } };

    it('expands workspace folder, home, environment variables and a leading ~', () => {
        assert.equal(resolveVariables('${workspaceFolder}/.venv/bin/python', context), '/ws/.venv/bin/python');
        assert.equal(resolveVariables('${userHome}/x', context), '/home/me/x');
        assert.equal(resolveVariables('${env:CONDA_PREFIX}/bin/python', context), '/conda/bin/python');
        assert.equal(resolveVariables('~/envs/ms', context), '/home/me/envs/ms');
        assert.equal(resolveVariables('~', context), '/home/me');
    });

    it('leaves ${workspaceFolder} alone without a folder, and unknown variables empty', () => {
        assert.equal(resolveVariables('${workspaceFolder}/x', { userHome: '/h', env: {} }), '${workspaceFolder}/x');
        assert.equal(resolveVariables('${env:NOPE}/x', { env: {} }), '/x');
        assert.equal(resolveVariables('a~b', context), 'a~b');
    });
});

describe('debounce', () => {
    it('calls once with the last arguments after the burst', () => {
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
            const calls: number[] = [];
            const debounced = debounce((value: number) => calls.push(value), 300);
            debounced(1);
            mock.timers.tick(200);
            debounced(2);
            mock.timers.tick(200);
            assert.deepEqual(calls, []);
            mock.timers.tick(100);
            assert.deepEqual(calls, [2]);
            debounced(3);
            debounced.cancel();
            mock.timers.tick(1000);
            assert.deepEqual(calls, [2]);
        } finally {
            mock.timers.reset();
        }
    });
});

describe('errorMessage and formatCommand', () => {
    it('gets the message of errors, response errors and strings', () => {
        assert.equal(errorMessage(new Error('boom')), 'boom');
        assert.equal(errorMessage({ code: -32603, message: 'model not found' }), 'model not found');
        assert.equal(errorMessage('plain'), 'plain');
    });

    it('quotes arguments that need it', () => {
        assert.equal(formatCommand(['python3', '-c', 'import x', "it's"]), `python3 -c 'import x' 'it'\\''s'`);
    });
});
