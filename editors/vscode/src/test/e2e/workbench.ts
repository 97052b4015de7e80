// SPDX-License-Identifier: Apache-2.0
/**
 * Drives the VS Code workbench that code-server serves, through playwright-core and Debian's
 * chromium: the command palette, quick open, the Problems panel, editors, hovers, the light bulb,
 * the explorer context menu and notifications. Selectors are those of VS Code 1.100.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';

/** Flags for a root, offline, headless chromium (see the issue). */
export const CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
];

const MOD = 'Control';

/** Monaco renders spaces as no-break spaces; compare texts with plain spaces. */
export function plain(text: string): string {
    return text.replace(/\u00a0/g, ' ');
}

function oneLine(text: string): string {
    return plain(text).replace(/\s+/g, ' ').trim();
}

export interface WorkbenchOptions {
    url: string;
    folder: string;
    artifacts: string;
    chromiumPath: string;
}

export class Workbench {
    private shot = 0;

    private constructor(
        readonly browser: Browser,
        readonly page: Page,
        private readonly options: WorkbenchOptions,
    ) {}

    /** Start chromium, open the folder in code-server and wait for the workbench. */
    static async open(options: WorkbenchOptions): Promise<Workbench> {
        const browser = await chromium.launch({
            executablePath: options.chromiumPath,
            headless: true,
            args: CHROMIUM_ARGS,
        });
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        const logFile = path.join(options.artifacts, 'browser-console.log');
        page.on('console', (message) => {
            fs.appendFileSync(logFile, `[${message.type()}] ${message.text()}\n`);
        });
        page.on('pageerror', (error) => {
            fs.appendFileSync(logFile, `[pageerror] ${error.message}\n`);
        });
        await page.goto(`${options.url}/?folder=${encodeURIComponent(options.folder)}`);
        await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
        await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
        return new Workbench(browser, page, options);
    }

    async close(): Promise<void> {
        await this.browser.close();
    }

    /** Save a numbered screenshot to the artifacts folder. */
    async screenshot(name: string): Promise<string> {
        this.shot += 1;
        const file = path.join(this.options.artifacts, `${String(this.shot).padStart(2, '0')}-${name}.png`);
        await this.page.screenshot({ path: file });
        return file;
    }

    private get quickInput(): Locator {
        return this.page.locator('.quick-input-widget .quick-input-box input');
    }

    /** Run a command from the palette by its full label ("MindConverter: Show Output"). */
    async runCommand(label: string): Promise<void> {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        await this.quickInput.waitFor({ state: 'visible' });
        await this.quickInput.fill(`>${label}`);
        const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        await row.click();
    }

    /** The palette entries whose label contains `text`. */
    async paletteEntries(text: string): Promise<string[]> {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        await this.quickInput.fill(`>${text}`);
        const rows = this.page.locator('.quick-input-widget .monaco-list-row .label-name');
        await rows.first().waitFor({ state: 'visible', timeout: 20_000 });
        const labels = await rows.allInnerTexts();
        await this.page.keyboard.press('Escape');
        return labels.map(oneLine);
    }

    /** Open a workspace file by name with quick open and wait for its editor. */
    async openFile(name: string): Promise<void> {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press(`${MOD}+P`);
        await this.quickInput.waitFor({ state: 'visible' });
        await this.quickInput.fill(name);
        const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        await row.click();
        await this.activeTab(name).waitFor({ timeout: 20_000 });
        await this.editorLines().first().waitFor();
    }

    activeTab(name: string): Locator {
        return this.page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: name });
    }

    /** A tab (any editor group) whose label contains `name`. */
    tab(name: string): Locator {
        return this.page.locator('.tabs-container .tab', { hasText: name });
    }

    /** The lines of the focused editor in the editor area. */
    editorLines(): Locator {
        return this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
    }

    /** Move the cursor with "Go to Line/Column" (1-based line and column). */
    async goTo(line: number, column: number): Promise<void> {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press(`${MOD}+G`);
        await this.quickInput.waitFor({ state: 'visible' });
        await this.quickInput.fill(`:${line}:${column}`);
        await this.page.keyboard.press('Enter');
    }

    /** Show the Problems panel and return the text of its rows once `predicate` holds. */
    async waitForProblems(predicate: (rows: string[]) => boolean, timeout = 60_000): Promise<string[]> {
        await this.runCommand('View: Focus Problems');
        const rows = this.page.locator('.markers-panel .monaco-list-row');
        const deadline = Date.now() + timeout;
        let texts: string[] = [];
        while (Date.now() < deadline) {
            texts = (await rows.allInnerTexts()).map(oneLine);
            if (predicate(texts)) {
                return texts;
            }
            await this.page.waitForTimeout(500);
        }
        throw new Error(`Problems panel never matched; last rows:\n${texts.join('\n')}`);
    }

    /** Hover the mouse over the first occurrence of `word` in the active editor; the hover's text. */
    async hoverWord(word: string): Promise<string> {
        const span = this.page
            .locator('.editor-group-container.active .monaco-editor .view-lines .view-line span span', {
                hasText: word,
            })
            .first();
        await span.waitFor({ state: 'visible', timeout: 20_000 });
        const text = plain(await span.innerText());
        const box = await span.boundingBox();
        if (box === null) {
            throw new Error(`"${word}" is not on screen`);
        }
        // Monospace: a token span may hold several words; aim at the middle of `word`.
        const charWidth = box.width / text.length;
        const x = box.x + (text.indexOf(word) + word.length / 2) * charWidth;
        await this.page.mouse.move(x, box.y + box.height / 2);
        const hover = this.page.locator(
            '.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-hover:not(.hidden) .hover-contents',
        );
        await hover.first().waitFor({ state: 'visible', timeout: 30_000 });
        return plain((await hover.allInnerTexts()).join('\n'));
    }

    /**
     * Click the light bulb at the cursor (the first request converts the file's chunk, so it
     * may take a while to show), then pick the item matching `title` with the keyboard (the
     * menu's pointer block swallows synthetic clicks). Returns the labels offered.
     */
    async applyQuickFix(title: RegExp, timeout = 60_000): Promise<string[]> {
        const bulb = this.page.locator('.editor-group-container.active .lightBulbWidget').first();
        const items = this.page.locator('.action-widget .monaco-list-row.action');
        const deadline = Date.now() + timeout;
        for (;;) {
            try {
                await bulb.waitFor({ state: 'visible', timeout: 5_000 });
                await bulb.click();
                await items.first().waitFor({ state: 'visible', timeout: 5_000 });
                break;
            } catch (error) {
                if (Date.now() > deadline) {
                    throw error;
                }
                await this.page.keyboard.press('Escape');
                // Nudge the editor into asking for code actions again.
                await this.page.keyboard.press('ArrowRight');
                await this.page.keyboard.press('ArrowLeft');
            }
        }
        await this.screenshot('quick-fix-menu');
        const labels = (await items.evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''))).map(
            oneLine,
        );
        if (!labels.some((label) => title.test(label))) {
            await this.page.keyboard.press('Escape');
            throw new Error(`no quick fix matches ${String(title)}: ${labels.join(' | ')}`);
        }
        const focused = this.page.locator('.action-widget .monaco-list-row.action.focused');
        for (let i = 0; i <= labels.length; i += 1) {
            if (title.test(oneLine((await focused.getAttribute('aria-label')) ?? ''))) {
                await this.page.keyboard.press('Enter');
                return labels;
            }
            await this.page.keyboard.press('ArrowDown');
        }
        await this.page.keyboard.press('Escape');
        throw new Error(`could not focus the quick fix ${String(title)}`);
    }

    /** Save the active editor. */
    async save(): Promise<void> {
        await this.page.keyboard.press(`${MOD}+S`);
        await this.page.waitForTimeout(500);
    }

    /** Right-click a file in the explorer and pick a context menu entry. */
    async explorerContextMenu(fileName: string, entry: string): Promise<void> {
        const row = this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: fileName }).first();
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        await row.click({ button: 'right' });
        const item = this.page.locator('.context-view .monaco-menu .action-item', { hasText: entry }).first();
        await item.waitFor({ state: 'visible', timeout: 20_000 });
        await this.screenshot('explorer-context-menu');
        await item.click();
    }

    /** The value and prompt of the input box that shows next. */
    async inputBox(): Promise<{ value: string; prompt: string; title: string }> {
        await this.quickInput.waitFor({ state: 'visible', timeout: 30_000 });
        const widget = this.page.locator('.quick-input-widget');
        return {
            value: await this.quickInput.inputValue(),
            prompt: (await widget.locator('.quick-input-message').allInnerTexts()).join(' '),
            title: (await widget.locator('.quick-input-title').allInnerTexts()).join(' '),
        };
    }

    /** Accept the input box as it is. */
    async acceptInput(): Promise<void> {
        await this.quickInput.press('Enter');
        await this.page.waitForTimeout(300);
    }

    /** Texts of the notification toasts on screen. */
    async notifications(): Promise<string[]> {
        const toasts = this.page.locator('.notifications-toasts .notification-toast');
        return (await toasts.allInnerTexts()).map(oneLine);
    }

    /** Wait until some notification contains `text`; return its text. */
    async waitForNotification(text: RegExp, timeout = 60_000): Promise<string> {
        const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
        await toast.waitFor({ state: 'visible', timeout });
        return oneLine(await toast.innerText());
    }

    /** The text of the Output panel (after "MindConverter: Show Output"). */
    async outputText(): Promise<string> {
        const lines = this.page.locator(
            '.panel .output-view .view-lines .view-line, .panel .monaco-editor .view-lines .view-line',
        );
        await lines.first().waitFor({ timeout: 20_000 });
        return plain((await lines.allInnerTexts()).join('\n'));
    }
}

/** Poll `check` until it returns a value or `timeout` passes. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeout = 60_000): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
        const value = check();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}
