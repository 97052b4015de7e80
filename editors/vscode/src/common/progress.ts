// SPDX-License-Identifier: Apache-2.0
/**
 * Client-created work-done progress: we make a token, send it with the request, and show the
 * server's `$/progress` reports for that token in a cancellable VS Code notification.
 */
import { randomUUID } from 'crypto';
import { CancellationToken, ProgressLocation } from 'vscode';
import {
    WorkDoneProgress,
    WorkDoneProgressBegin,
    WorkDoneProgressEnd,
    WorkDoneProgressReport,
} from 'vscode-languageserver-protocol';
import type { LspClient } from './server';
import { withProgress } from './vscodeapi';

export type WorkDoneValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** One step for `Progress.report`. */
export interface ProgressStep {
    message?: string;
    increment?: number;
}

/** Turns LSP progress values (absolute percentages) into VS Code steps (increments). */
export class ProgressTracker {
    private percentage = 0;
    private cancellable = true;

    constructor(private readonly report: (step: ProgressStep) => void) {}

    /** Whether the server said the operation can be cancelled (begin's `cancellable`). */
    get isCancellable(): boolean {
        return this.cancellable;
    }

    handle(value: WorkDoneValue): void {
        if (value.kind === 'begin') {
            this.cancellable = value.cancellable ?? true;
            // The notification has its own title; the server's title would repeat it.
            this.step(value.message, value.percentage);
        } else if (value.kind === 'report') {
            this.step(value.message, value.percentage);
        } else {
            this.step(value.message, 100);
        }
    }

    private step(message: string | undefined, percentage: number | undefined): void {
        const step: ProgressStep = {};
        if (message !== undefined && message !== '') {
            step.message = message;
        }
        if (percentage !== undefined) {
            const clamped = Math.max(0, Math.min(100, percentage));
            if (clamped > this.percentage) {
                step.increment = clamped - this.percentage;
                this.percentage = clamped;
            }
        }
        if (step.message !== undefined || step.increment !== undefined) {
            this.report(step);
        }
    }
}

/** A fresh work-done token. */
export function newProgressToken(): string {
    return `mindconverter/${randomUUID()}`;
}

/**
 * Run `request` with a new work-done token, showing the server's progress for it in a
 * notification titled `title`. Cancelling the notification sends
 * `window/workDoneProgress/cancel` and cancels the request.
 */
export function withServerProgress<T>(
    client: LspClient,
    title: string,
    request: (workDoneToken: string, cancellation: CancellationToken) => Promise<T>,
): Thenable<T> {
    return withProgress(
        { location: ProgressLocation.Notification, title, cancellable: true },
        async (progress, cancellation) => {
            const token = newProgressToken();
            const tracker = new ProgressTracker((step) => progress.report(step));
            const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => tracker.handle(value));
            const onCancel = cancellation.onCancellationRequested(() => {
                void client.sendNotification('window/workDoneProgress/cancel', { token });
            });
            try {
                return await request(token, cancellation);
            } finally {
                onCancel.dispose();
                subscription.dispose();
            }
        },
    );
}
