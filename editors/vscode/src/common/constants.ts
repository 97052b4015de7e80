// SPDX-License-Identifier: Apache-2.0
/** Names shared by the extension, its manifest and the language server contract. */

/** Language client id: also the prefix of `mindconverter.trace.server`. */
export const SERVER_ID = 'mindconverter';
export const SERVER_NAME = 'MindConverter';
/** Python module started as the language server (`python -m mindconverter.server`). */
export const SERVER_MODULE = 'mindconverter.server';
/** Configuration section of every setting. */
export const CONFIG_SECTION = 'mindconverter';
/** Interpreter used when neither the setting nor the Python extension gives one. */
export const DEFAULT_PYTHON = 'python3';
/** Published id of the Python extension, whose active interpreter we fall back to. */
export const PYTHON_EXTENSION_ID = 'ms-python.python';
/** The install command shown when the interpreter lacks the package. */
export const PIP_INSTALL = 'pip install mindconverter';

/** Commands contributed to the palette (package.json `contributes.commands`). */
export const Commands = {
    convertModelFileUI: 'mindconverter.convertModelFileUI',
    convertCurrentFile: 'mindconverter.convertCurrentFile',
    restart: 'mindconverter.restart',
    showOutput: 'mindconverter.showOutput',
} as const;

/** Commands the server answers through `workspace/executeCommand`. */
export const ServerCommands = {
    inspectModel: 'mindconverter.inspectModel',
    convertModelFile: 'mindconverter.convertModelFile',
    convertFile: 'mindconverter.convertFile',
} as const;

/** Model file extensions the converter accepts, without the dot. */
export const MODEL_EXTENSIONS = ['onnx', 'pb'] as const;
