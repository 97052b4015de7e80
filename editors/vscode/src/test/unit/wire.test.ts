// SPDX-License-Identifier: Apache-2.0
/**
 * What `workspace/executeCommand` looks like on the wire: commands go through vscode-jsonrpc the
 * way LanguageClient.sendRequest passes them (`connection.sendRequest(method, ...params)`), and
 * the raw message the server reads is checked.
 */
import './support/fakeVscode';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import {
    CancellationTokenSource,
    createMessageConnection,
    Message,
    RequestMessage,
    StreamMessageReader,
    StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { executeServerCommand } from '../../common/commands';
import type { LspClient } from '../../common/server';

/** A client over a real JSON-RPC connection; returns the request messages the server reads. */
function wiredClient(): { client: LspClient; received: RequestMessage[]; dispose(): void } {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const connection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    connection.listen();
    const serverReader = new StreamMessageReader(toServer);
    const serverWriter = new StreamMessageWriter(toClient);
    const received: RequestMessage[] = [];
    serverReader.listen((message) => {
        if (Message.isRequest(message)) {
            received.push(message);
            void serverWriter.write({ jsonrpc: '2.0', id: message.id, result: { ok: true } } as Message);
        }
    });
    const client = {
        sendRequest: (method: string, ...params: unknown[]) => connection.sendRequest(method, ...params),
        sendNotification: (method: string, params: unknown) => connection.sendNotification(method, params),
        onProgress: () => ({ dispose: () => undefined }),
        isRunning: () => true,
    } as unknown as LspClient;
    return {
        client,
        received,
        dispose: () => {
            connection.dispose();
            serverReader.dispose();
        },
    };
}

describe('workspace/executeCommand on the wire', () => {
    it('sends params by name when there is no cancellation token', async () => {
        const wire = wiredClient();
        try {
            assert.deepEqual(await executeServerCommand(wire.client, 'mindconverter.inspectModel', ['/m.onnx']), {
                ok: true,
            });
            assert.deepEqual(wire.received[0]!.params, {
                command: 'mindconverter.inspectModel',
                arguments: ['/m.onnx'],
            });
        } finally {
            wire.dispose();
        }
    });

    it('sends params by name, with the work-done token, when the request can be cancelled', async () => {
        const wire = wiredClient();
        const source = new CancellationTokenSource();
        try {
            await executeServerCommand(
                wire.client,
                'mindconverter.convertModelFile',
                ['/m.onnx', { shapes: [[1, 3]] }],
                { workDoneToken: 'mindconverter/1' },
                source.token,
            );
            assert.deepEqual(wire.received[0]!.params, {
                command: 'mindconverter.convertModelFile',
                arguments: ['/m.onnx', { shapes: [[1, 3]] }],
                workDoneToken: 'mindconverter/1',
            });
        } finally {
            wire.dispose();
        }
    });
});
