// SPDX-License-Identifier: Apache-2.0
/**
 * End-to-end: our .vsix in a real VS Code (code-server) driven by chromium. Started by
 * scripts/e2e.sh, which installs code-server, builds and installs the .vsix, lays out the
 * workspace (fixtures/workspace plus a generated tiny.onnx) and sets these variables:
 * E2E_URL, E2E_WORKSPACE, E2E_ARTIFACTS, E2E_CHROMIUM.
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
        assert.match(output, /Starting the server: .*-m mindconverter\.server --stdio/);
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
        const text = await bench.hoverToken('Linear');
        assert.match(text, /mindspore/i, `hover text: ${text}`);
    });
});

test('a quick fix from the light bulb converts the call', async () => {
    await step('torch-quick-fix', async () => {
        await bench.openFile('torch_model.py');
        await bench.goTo(8, 19);
        const labels = await bench.applyQuickFix(/mindspore|Convert to|Replace/i);
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

test('Convert Model File… from the explorer converts a small ONNX model', async () => {
    await step('convert-model', async () => {
        const before = new Set(listFiles());
        await bench.explorerContextMenu('tiny.onnx', 'Convert Model File…');

        const inputs = await bench.inputBox();
        assert.equal(inputs.value, 'input', 'input nodes prefilled from the model');
        await bench.screenshot('dialog-input-nodes');
        await bench.acceptInput();
        const shapes = await bench.inputBox();
        assert.equal(shapes.value, '1,3,8,8', 'the symbolic batch dimension is prefilled with 1');
        assert.match(shapes.prompt, /input\[batch,3,8,8\]/);
        await bench.screenshot('dialog-shapes');
        await bench.acceptInput();
        const outputs = await bench.inputBox();
        assert.equal(outputs.value, 'logits', 'output nodes prefilled from the model');
        await bench.acceptInput();

        const progress = await bench.waitForNotification(/converting tiny\.onnx/i, 30_000);
        await bench.screenshot('convert-progress');
        assert.match(progress, /MindConverter: converting tiny\.onnx/);

        const summary = await bench.waitForNotification(/tiny\.onnx converted/, 180_000);
        assert.match(summary, /4\/4 operators converted/);
        const created = await waitFor('the generated files', () => {
            const files = listFiles().filter((file) => !before.has(file));
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

test('Restart Server starts a new server', async () => {
    await step('restart', async () => {
        await bench.runCommand('MindConverter: Restart Server');
        await bench.runCommand('MindConverter: Show Output');
        const deadline = Date.now() + 60_000;
        let starts = 0;
        while (Date.now() < deadline && starts < 2) {
            await bench.page.waitForTimeout(500);
            starts = (await bench.outputText()).split('Server started.').length - 1;
        }
        assert.equal(starts >= 2, true, 'the output shows a second "Server started."');
    });
});
