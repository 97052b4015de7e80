// SPDX-License-Identifier: Apache-2.0
// Checks a packaged .vsix: the manifest inside it lists our commands, menus and settings, and the
// bundle it points to is there. Usage: node scripts/check-manifest.mjs mindconverter-x.y.z.vsix
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** Read the entries of a zip file (stored or deflated) into a Map name -> Buffer. */
function readZip(buffer) {
    const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) {
        throw new Error('not a zip file (no end of central directory)');
    }
    const count = buffer.readUInt16LE(eocd + 10);
    let offset = buffer.readUInt32LE(eocd + 16);
    const entries = new Map();
    for (let i = 0; i < count; i += 1) {
        if (buffer.readUInt32LE(offset) !== 0x02014b50) {
            throw new Error(`bad central directory entry ${i}`);
        }
        const method = buffer.readUInt16LE(offset + 10);
        const compressedSize = buffer.readUInt32LE(offset + 20);
        const nameLength = buffer.readUInt16LE(offset + 28);
        const extraLength = buffer.readUInt16LE(offset + 30);
        const commentLength = buffer.readUInt16LE(offset + 32);
        const localOffset = buffer.readUInt32LE(offset + 42);
        const name = buffer.toString('utf8', offset + 46, offset + 46 + nameLength);
        const localName = buffer.readUInt16LE(localOffset + 26);
        const localExtra = buffer.readUInt16LE(localOffset + 28);
        const start = localOffset + 30 + localName + localExtra;
        const data = buffer.subarray(start, start + compressedSize);
        entries.set(name, method === 0 ? data : inflateRawSync(data));
        offset += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

const EXPECTED_COMMANDS = {
    'mindconverter.convertModelFileUI': 'MindConverter: Convert Model File…',
    'mindconverter.convertCurrentFile': 'MindConverter: Convert Current File to MindSpore',
    'mindconverter.restart': 'MindConverter: Restart Server',
    'mindconverter.showOutput': 'MindConverter: Show Output',
};
const EXPECTED_SETTINGS = [
    'mindconverter.interpreter',
    'mindconverter.serverArgs',
    'mindconverter.target',
    'mindconverter.severity.convertible',
    'mindconverter.severity.unconvertible',
    'mindconverter.severity.placeholder',
    'mindconverter.outputFolder',
    'mindconverter.trace.server',
];
// code-server 4.100.3 ships VS Code 1.100.3: the extension must accept it.
const HOST_VSCODE = [1, 100, 3];

const vsixPath = process.argv[2];
if (!vsixPath) {
    console.error('usage: node scripts/check-manifest.mjs <file.vsix>');
    process.exit(2);
}
const entries = readZip(readFileSync(vsixPath));
const results = [];
function check(name, ok, detail = '') {
    results.push(ok);
    console.log(`${ok ? 'ok' : 'not ok'} - ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

const manifestText = entries.get('extension/package.json');
check('extension/package.json is in the vsix', manifestText !== undefined);
if (manifestText === undefined) {
    console.log(`0 passed, ${results.length} failed`);
    process.exit(1);
}
const manifest = JSON.parse(manifestText.toString('utf8'));
const commands = new Map((manifest.contributes?.commands ?? []).map((c) => [c.command, c]));
for (const [id, title] of Object.entries(EXPECTED_COMMANDS)) {
    const entry = commands.get(id);
    const shown = entry ? (entry.category ? `${entry.category}: ${entry.title}` : entry.title) : undefined;
    check(`command ${id} is "${title}"`, shown === title, `found ${JSON.stringify(shown)}`);
}
check('no other commands', commands.size === Object.keys(EXPECTED_COMMANDS).length, [...commands.keys()].join(', '));

const explorer = manifest.contributes?.menus?.['explorer/context'] ?? [];
const modelMenu = explorer.find((entry) => entry.command === 'mindconverter.convertModelFileUI');
check(
    'explorer context menu converts .onnx and .pb files',
    modelMenu !== undefined && /\.onnx/.test(modelMenu.when ?? '') && /\.pb/.test(modelMenu.when ?? ''),
    JSON.stringify(modelMenu),
);

const properties = manifest.contributes?.configuration?.properties ?? {};
for (const key of EXPECTED_SETTINGS) {
    check(`setting ${key}`, key in properties);
}

const main = (manifest.main ?? '').replace(/^\.\//, '');
check(`main ${manifest.main} is bundled`, entries.has(`extension/${main}`));
check('activates on Python files', (manifest.activationEvents ?? []).includes('onLanguage:python'));

const engine = /^\^?(\d+)\.(\d+)\.(\d+)/.exec(manifest.engines?.vscode ?? '');
const accepts =
    engine !== null &&
    Number(engine[1]) === HOST_VSCODE[0] &&
    (Number(engine[2]) < HOST_VSCODE[1] ||
        (Number(engine[2]) === HOST_VSCODE[1] && Number(engine[3]) <= HOST_VSCODE[2]));
check(`engines.vscode ${manifest.engines?.vscode} accepts VS Code ${HOST_VSCODE.join('.')}`, accepts);

const vsixManifest = entries.get('extension.vsixmanifest')?.toString('utf8') ?? '';
const identity = /<Identity[^>]*Id="([^"]+)"[^>]*Version="([^"]+)"[^>]*Publisher="([^"]+)"/.exec(vsixManifest);
check(
    'extension.vsixmanifest identity matches package.json',
    identity !== null &&
        identity[1] === manifest.name &&
        identity[2] === manifest.version &&
        identity[3] === manifest.publisher,
    identity ? identity.slice(1).join(' ') : 'no Identity element',
);
const unexpected = [...entries.keys()].filter(
    (name) =>
        name.startsWith('extension/') &&
        !['extension/package.json', `extension/${main}`].includes(name) &&
        !/^extension\/readme\.md$/i.test(name),
);
check('nothing but the bundle, manifest and README is packaged', unexpected.length === 0, unexpected.join(', '));

const failed = results.filter((ok) => !ok).length;
console.log(`manifest: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
