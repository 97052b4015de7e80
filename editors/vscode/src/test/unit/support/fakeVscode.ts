// SPDX-License-Identifier: Apache-2.0
/**
 * A stand-in for the `vscode` module so the extension's modules load under plain Node. Import
 * this first in every unit test. The few values the code uses at run time (Uri, enums,
 * EventEmitter) behave like VS Code's; every window/workspace function throws unless a test
 * replaces the `vscodeapi.ts` wrapper that calls it.
 */
import * as path from 'path';
import Module = require('module');

export class FakeUri {
    private constructor(
        readonly scheme: string,
        readonly path: string,
    ) {}

    static file(fsPath: string): FakeUri {
        return new FakeUri('file', path.resolve(fsPath));
    }

    static parse(value: string): FakeUri {
        const match = /^([a-z][\w+.-]*):(?:\/\/[^/]*)?(.*)$/i.exec(value);
        if (match === null) {
            throw new Error(`not a URI: ${value}`);
        }
        return new FakeUri(match[1]!, decodeURIComponent(match[2]!));
    }

    get fsPath(): string {
        return this.path;
    }

    toString(): string {
        return `${this.scheme}://${encodeURI(this.path)}`;
    }
}

export class FakeDisposable {
    constructor(private readonly callback: () => void = () => undefined) {}

    dispose(): void {
        this.callback();
    }
}

type Listener<T> = (value: T) => unknown;

export class FakeEventEmitter<T> {
    private listeners: Listener<T>[] = [];

    readonly event = (listener: Listener<T>): FakeDisposable => {
        this.listeners.push(listener);
        return new FakeDisposable(() => {
            this.listeners = this.listeners.filter((item) => item !== listener);
        });
    };

    fire(value: T): void {
        [...this.listeners].forEach((listener) => listener(value));
    }

    dispose(): void {
        this.listeners = [];
    }
}

/** A cancellation token the test cancels by hand. */
export class FakeCancellationTokenSource {
    private readonly emitter = new FakeEventEmitter<void>();
    private cancelled = false;

    readonly token = {
        isCancellationRequested: false,
        onCancellationRequested: this.emitter.event,
    };

    cancel(): void {
        if (!this.cancelled) {
            this.cancelled = true;
            this.token.isCancellationRequested = true;
            this.emitter.fire();
        }
    }

    dispose(): void {
        this.emitter.dispose();
    }
}

function notMocked(name: string): () => never {
    return () => {
        throw new Error(`vscode.${name} called without a mock in this test`);
    };
}

function namespace(name: string): object {
    return new Proxy(
        {},
        {
            get: (_target, property) => (typeof property === 'string' ? notMocked(`${name}.${property}`) : undefined),
        },
    );
}

/** Any other export: a harmless class, so libraries that subclass VS Code types can load. */
class Placeholder {}

const known: Record<string, unknown> = {
    Uri: FakeUri,
    Disposable: FakeDisposable,
    EventEmitter: FakeEventEmitter,
    CancellationTokenSource: FakeCancellationTokenSource,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    version: '1.100.3',
    window: namespace('window'),
    workspace: namespace('workspace'),
    commands: namespace('commands'),
    extensions: namespace('extensions'),
    env: namespace('env'),
    languages: namespace('languages'),
};

const fakeVscode = new Proxy(known, {
    get: (target, property) => {
        if (typeof property !== 'string') {
            return undefined;
        }
        return property in target ? target[property] : Placeholder;
    },
});

interface ModuleLoader {
    _load(request: string, parent: unknown, isMain: boolean): unknown;
}

const loader = Module as unknown as ModuleLoader;
const originalLoad = loader._load.bind(loader);
loader._load = (request: string, parent: unknown, isMain: boolean): unknown =>
    request === 'vscode' ? fakeVscode : originalLoad(request, parent, isMain);
