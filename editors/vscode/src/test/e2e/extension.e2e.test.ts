// SPDX-License-Identifier: Apache-2.0
/**
 * End-to-end: our .vsix in a real VS Code (code-server) driven by chromium. Started by
 * scripts/e2e.sh, which installs code-server, builds and installs the .vsix, lays out the
 * workspace (fixtures/workspace plus a generated tiny.onnx) and sets these variables:
 * E2E_URL, E2E_WORKSPACE, E2E_USER_DATA, E2E_ARTIFACTS, E2E_CHROMIUM.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { waitFor, Workbench } from './workbench';

function env(name: string, fallback?: string): string {
    const value = process.env[name] ?? fallback;
    if (value === undefined) {
        throw new Error(`${name} is not set: run scripts/e2e.sh`);
    }
    return value;
}

const workspace = env('E2E_WORKSPACE');
const userData = env('E2E_USER_DATA');
const artifacts = env('E2E_ARTIFACTS');
let bench: Workbench;

function read(name: string): string {
    return fs.readFileSync(path.join(workspace, name), 'utf8');
}

/** Every file under the workspace (relative paths), .vscode excluded. */
function listFiles(dir = workspace): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return entry.name === '.vscode' ? [] : listFiles(full);
        }
        return [path.relative(workspace, full)];
    });
}

/** How often `text` occurs in our output channel's log file (VS Code writes it under logs/). */
function countInChannelLog(text: string): number {
    const logs = fs.readdirSync(path.join(userData, 'logs'), { recursive: true, encoding: 'utf8' });
    return logs
        .filter((file) => path.basename(file) === 'MindConverter.log')
        .map((file) => fs.readFileSync(path.join(userData, 'logs', file), 'utf8').split(text).length - 1)
        .reduce((sum, count) => sum + count, 0);
}

/** Run `body`; on failure keep a screenshot named after the step. */
async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
        await body();
        await bench.screenshot(name);
    } catch (error) {
        await bench.screenshot(`${name}-FAILED`).catch(() => undefined);
        throw error;
    }
}

before(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    bench = await Workbench.open({
        url: env('E2E_URL'),
        folder: workspace,
        artifacts,
        chromiumPath: env('E2E_CHROMIUM', '/usr/bin/chromium'),
    });
});

after(async () => {
    await bench.close();
});

test('the palette lists our commands and the server starts', async () => {
    await step('server-started', async () => {
        await bench.openFile('torch_model.py');
        const entries = await bench.paletteEntries('MindConverter');
        for (const title of [
            'MindConverter: Convert Model File…',
            'MindConverter: Convert Current File to MindSpore',
            'MindConverter: Restart Server',
            'MindConverter: Show Output',
        ]) {
            assert.ok(entries.includes(title), `palette has "${title}" (got ${entries.join(' | ')})`);
        }
        await bench.runCommand('MindConverter: Show Output');
        const deadline = Date.now() + 60_000;
        let output = '';
        while (Date.now() < deadline && !output.includes('Server started.')) {
            await bench.page.waitForTimeout(500);
            output = await bench.outputText();
        }
        // The panel wraps long lines: match on the text without line breaks.
        assert.match(
            output.replace(/\n/g, ''),
            /Starting the server: \S+python -m mindconverter\.server --log-file \S+ --log-level INFO --stdio/,
        );
        assert.match(output, /Server started\./);
    });
});

test('a PyTorch file gets diagnostics in the Problems panel', async () => {
    await step('torch-diagnostics', async () => {
        await bench.openFile('torch_model.py');
        const rows = await bench.waitForProblems((texts) => texts.some((text) => /Linear/.test(text)));
        assert.ok(
            rows.some((text) => /torch\.nn\.Linear/.test(text) && /mindspore/i.test(text)),
            `a diagnostic names torch.nn.Linear and its MindSpore target:\n${rows.join('\n')}`,
        );
    });
});

test('hovering a torch API shows its MindSpore mapping', async () => {
    await step('torch-hover', async () => {
        await bench.openFile('torch_model.py');
        const text = await bench.hoverWord('Linear');
        assert.match(text, /mindspore/i, `hover text: ${text}`);
    });
});

test('a quick fix from the light bulb converts the call', async () => {
    await step('torch-quick-fix', async () => {
        await bench.openFile('torch_model.py');
        await bench.goTo(8, 19);
        const labels = await bench.applyQuickFix(/Convert torch\.nn\.Linear/);
        await bench.save();
        const text = await waitFor('the fix on disk', () => {
            const now = read('torch_model.py');
            return now.includes('nn.Linear(16, 4)') ? undefined : now;
        });
        assert.match(text, /Dense/, `quick fixes offered: ${labels.join(' | ')}\nfile now:\n${text}`);
    });
});

test('a placeholder in a migrated script gets a warning and a fix from its recorded shapes', async () => {
    await step('placeholder-fix', async () => {
        await bench.openFile('migrated_ms.py');
        const rows = await bench.waitForProblems((texts) => texts.some((text) => /Reshape/.test(text)));
        assert.ok(
            rows.some((text) => /Reshape/.test(text) && /1280/.test(text)),
            `the placeholder warning gives the recorded shapes:\n${rows.join('\n')}`,
        );
        await bench.openFile('migrated_ms.py');
        await bench.goTo(8, 24);
        const labels = await bench.applyQuickFix(/Reshape placeholder/);
        await bench.save();
        const text = await waitFor('the placeholder fix on disk', () => {
            const now = read('migrated_ms.py');
            return now.includes('onnx.Reshape(') ? undefined : now;
        });
        assert.match(
            text,
            /ops\.reshape\(x, \(1, 1280\)\)/,
            `fixes offered: ${labels.join(' | ')}\nfile now:\n${text}`,
        );
    });
});

/** What the three boxes of the model dialog showed before the test answered them. */
const dialog: { inputs?: string; shapes?: string; shapesPrompt?: string; outputs?: string; filesBefore?: Set<string> } =
    {};

test('Convert Model File… from the explorer asks for nodes and shapes, prefilled from the model', async () => {
    await step('convert-model-dialog', async () => {
        dialog.filesBefore = new Set(listFiles());
        await bench.explorerContextMenu('tiny.onnx', 'Convert Model File…');
        // Answer each box (typing the expected value when it came empty) so the conversion
        // below runs whatever the prefill did; the prefill is asserted at the end.
        const answer = async (expected: string, shot: string): Promise<{ value: string; prompt: string }> => {
            const box = await bench.inputBox();
            await bench.screenshot(shot);
            if (box.value !== expected) {
                await bench.page.locator('.quick-input-widget .quick-input-box input').fill(expected);
            }
            await bench.acceptInput();
            return box;
        };
        dialog.inputs = (await answer('input', 'dialog-input-nodes')).value;
        const shapes = await answer('1,3,8,8', 'dialog-shapes');
        dialog.shapes = shapes.value;
        dialog.shapesPrompt = shapes.prompt;
        dialog.outputs = (await answer('logits', 'dialog-output-nodes')).value;
        assert.equal(dialog.inputs, 'input', 'input nodes prefilled from mindconverter.inspectModel');
        assert.equal(dialog.shapes, '1,3,8,8', 'shape prefilled, the symbolic batch dimension set to 1');
        assert.match(dialog.shapesPrompt, /input\[batch,3,8,8\]/);
        assert.equal(dialog.outputs, 'logits', 'output nodes prefilled from the model');
    });
});

test('Convert Model File… converts with a progress notification and opens the results', async () => {
    await step('convert-model', async () => {
        assert.ok(dialog.filesBefore, 'the dialog test ran');
        const progress = await bench.waitForNotification(/converting tiny\.onnx/i, 30_000);
        await bench.screenshot('convert-progress');
        assert.match(progress, /MindConverter: converting tiny\.onnx/);

        const summary = await bench.waitForNotification(/tiny\.onnx converted|could not convert tiny\.onnx/, 180_000);
        assert.match(summary, /tiny\.onnx converted, 4\/4 operators converted/);
        const created = await waitFor('the generated files', () => {
            const files = listFiles().filter((file) => !dialog.filesBefore!.has(file));
            return files.some((file) => file.endsWith('.py')) && files.some((file) => file.endsWith('.json'))
                ? files
                : undefined;
        });
        assert.ok(
            created.every((file) => file.startsWith(`converted${path.sep}`)),
            `results go to mindconverter.outputFolder: ${created.join(', ')}`,
        );
        assert.ok(
            created.some((file) => file.endsWith('.ckpt') || file.endsWith('.safetensors')),
            `weights written: ${created.join(', ')}`,
        );
        const script = created.find((file) => file.endsWith('.py'))!;
        assert.match(read(script), /class \w+\(nn\.Cell\)/);
        await bench.tab(path.basename(script)).first().waitFor({ timeout: 20_000 });
    });
});

test('Convert Current File to MindSpore writes the converted file', async () => {
    await step('convert-current-file', async () => {
        const before = new Set(listFiles());
        await bench.openFile('torch_convert.py');
        await bench.runCommand('MindConverter: Convert Current File to MindSpore');
        await bench.waitForNotification(/MindConverter: wrote /, 60_000);
        const written = await waitFor('the converted file', () =>
            listFiles().find((file) => !before.has(file) && file.endsWith('.py')),
        );
        const text = read(written);
        assert.match(text, /mindspore/);
        assert.doesNotMatch(text, /^import torch$/m);
        await bench.tab(path.basename(written)).first().waitFor({ timeout: 20_000 });
    });
});

test('Restart Server starts a new server that answers', async () => {
    await step('restart', async () => {
        const startsBefore = countInChannelLog('Server started.');
        await bench.runCommand('MindConverter: Restart Server');
        await waitFor('a new "Server started." in the MindConverter log', () =>
            countInChannelLog('Server started.') > startsBefore ? true : undefined,
        );
        assert.ok(countInChannelLog('Server process exited') >= 1, 'the old server was stopped');
        await bench.runCommand('View: Close All Editor Groups');
        await bench.openFile('torch_model.py');
        const text = await bench.hoverWord('ReLU');
        assert.match(text, /mindspore\.nn\.ReLU/, `hover after the restart: ${text}`);
    });
});
