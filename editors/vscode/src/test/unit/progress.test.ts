// SPDX-License-Identifier: Apache-2.0
import './support/fakeVscode';
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { newProgressToken, ProgressStep, ProgressTracker, withServerProgress } from '../../common/progress';
import * as vscodeapi from '../../common/vscodeapi';
import { FakeCancellationTokenSource } from './support/fakeVscode';
import { FakeClient } from './support/fakes';

describe('ProgressTracker', () => {
    it('turns absolute percentages into increments and passes messages', () => {
        const steps: ProgressStep[] = [];
        const tracker = new ProgressTracker((step) => steps.push(step));
        tracker.handle({ kind: 'begin', title: 'Converting model.onnx', percentage: 0 });
        tracker.handle({ kind: 'report', message: 'shape inference', percentage: 10 });
        tracker.handle({ kind: 'report', message: 'converting 12 nodes', percentage: 40 });
        tracker.handle({ kind: 'report', percentage: 40 });
        tracker.handle({ kind: 'end', message: 'done' });
        assert.deepEqual(steps, [
            { message: 'shape inference', increment: 10 },
            { message: 'converting 12 nodes', increment: 30 },
            { message: 'done', increment: 60 },
        ]);
    });

    it('shows the begin message but not its title, clamps and never goes back', () => {
        const steps: ProgressStep[] = [];
        const tracker = new ProgressTracker((step) => steps.push(step));
        tracker.handle({ kind: 'begin', title: 'Convert', message: 'loading', percentage: 150, cancellable: false });
        tracker.handle({ kind: 'report', percentage: 50 });
        assert.deepEqual(steps, [{ message: 'loading', increment: 100 }]);
        assert.equal(tracker.isCancellable, false);
    });
});

describe('withServerProgress', () => {
    afterEach(() => mock.restoreAll());

    function fakeNotification(source: FakeCancellationTokenSource, reported: ProgressStep[]) {
        return mock.method(vscodeapi, 'withProgress', (_options: unknown, task: (...args: unknown[]) => unknown) =>
            task({ report: (step: ProgressStep) => reported.push(step) }, source.token),
        );
    }

    it('shows the progress the server reports for the token it was given', async () => {
        const reported: ProgressStep[] = [];
        const source = new FakeCancellationTokenSource();
        const notification = fakeNotification(source, reported);
        const client = new FakeClient();
        const result = await withServerProgress(client, 'MindConverter: converting m.onnx', (token) => {
            client.progress(token, { kind: 'begin', title: 'Converting', percentage: 0 });
            client.progress(token, { kind: 'report', message: 'writing weights', percentage: 80 });
            client.progress(token, { kind: 'end' });
            return Promise.resolve(42);
        });
        assert.equal(result, 42);
        assert.deepEqual(notification.mock.calls[0]!.arguments[0], {
            location: 15,
            title: 'MindConverter: converting m.onnx',
            cancellable: true,
        });
        assert.deepEqual(reported, [{ message: 'writing weights', increment: 80 }, { increment: 20 }]);
        assert.equal(client.progressHandlers.size, 0, 'the progress handler is removed afterwards');
    });

    it('sends window/workDoneProgress/cancel when the notification is cancelled', async () => {
        const source = new FakeCancellationTokenSource();
        fakeNotification(source, []);
        const client = new FakeClient();
        let used = '';
        await assert.rejects(
            Promise.resolve(
                withServerProgress(client, 'x', (token, cancellation) => {
                    used = token;
                    source.cancel();
                    assert.equal(cancellation.isCancellationRequested, true);
                    return Promise.reject(new Error('Request cancelled'));
                }),
            ),
            /Request cancelled/,
        );
        assert.deepEqual(client.notifications, [{ method: 'window/workDoneProgress/cancel', params: { token: used } }]);
    });

    it('makes a new token every time', () => {
        const tokens = new Set([newProgressToken(), newProgressToken(), newProgressToken()]);
        assert.equal(tokens.size, 3);
        for (const token of tokens) {
            assert.match(token, /^mindconverter\/[0-9a-f-]{36}$/);
        }
    });
});
