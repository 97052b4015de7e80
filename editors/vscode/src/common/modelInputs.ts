// SPDX-License-Identifier: Apache-2.0
/**
 * The "Convert Model File" dialog's data: what `mindconverter.inspectModel` returns, how it is
 * shown in the input boxes, and how the edited text becomes `convertModelFile` options.
 */

/** One graph input or output as the server reads it from the model. */
export interface TensorInfo {
    name: string;
    /** Dimensions; strings are symbolic (`"batch"`), negative or zero numbers unknown. */
    shape: (number | string)[];
    dtype: string;
}

/** Result of `mindconverter.inspectModel`. */
export interface ModelInfo {
    inputs: TensorInfo[];
    outputs: TensorInfo[];
    opset: number;
    format: 'onnx' | 'pb';
}

/** The options argument of `mindconverter.convertModelFile`. */
export interface ConvertModelOptions {
    shapes?: number[][];
    inputNodes?: string[];
    outputNodes?: string[];
    outputDir?: string;
    reportDir?: string;
    verify?: boolean;
    overwrite?: boolean;
}

/** Error code the server answers when the output files already exist (see docs/errors.md). */
export const OUTPUT_EXISTS = 'MC302';

/** The MindConverter error code carried by a server error response, if any. */
export function errorCode(error: unknown): string | undefined {
    if (typeof error !== 'object' || error === null || !('data' in error)) {
        return undefined;
    }
    const data = (error as { data?: unknown }).data;
    if (typeof data === 'object' && data !== null && 'code' in data) {
        const code = (data as { code?: unknown }).code;
        return typeof code === 'string' ? code : undefined;
    }
    return undefined;
}

/** Result of `mindconverter.convertModelFile`. */
export interface ConvertModelResult {
    script: string;
    checkpoint: string;
    reportJson: string;
    reportText: string;
    summary: { ops_total: number; ops_converted: number; unconverted: number; verification: string };
}

/** Dimension used to prefill a symbolic or unknown dimension. */
export const DEFAULT_DYNAMIC_DIM = 1;

/** `a, b` */
export function formatNodeList(names: readonly string[]): string {
    return names.join(', ');
}

/** Names separated by commas; blanks dropped. */
export function parseNodeList(text: string): string[] {
    return text
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
}

/** A dimension as declared in the model (`batch`, `?` for unknown). */
function declaredDim(dim: number | string): string {
    if (typeof dim === 'string') {
        return dim === '' ? '?' : dim;
    }
    return dim > 0 ? String(dim) : '?';
}

/** `input[batch,3,224,224], mask[batch,16]`: the shapes the model declares. */
export function describeDeclaredShapes(tensors: readonly TensorInfo[]): string {
    return tensors.map((tensor) => `${tensor.name}[${tensor.shape.map(declaredDim).join(',')}]`).join(', ');
}

/** Whether any declared dimension is symbolic or unknown. */
export function hasDynamicDims(tensors: readonly TensorInfo[]): boolean {
    return tensors.some((tensor) => tensor.shape.some((dim) => typeof dim !== 'number' || dim <= 0));
}

/** One shape as typed in the box: `1,3,224,224`, `[]` for a scalar. */
export function formatShape(shape: readonly number[]): string {
    return shape.length === 0 ? '[]' : shape.join(',');
}

/** Prefill for the shapes box: concrete shapes, symbolic dimensions set to 1, `;` between inputs. */
export function formatShapes(tensors: readonly TensorInfo[]): string {
    return tensors
        .map((tensor) =>
            formatShape(tensor.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : DEFAULT_DYNAMIC_DIM))),
        )
        .join('; ');
}

/** Thrown for text the shapes box cannot accept; the message is shown under the box. */
export class ShapeSyntaxError extends Error {}

/**
 * Parse `1,3,224,224; 1,10` (brackets optional, `x` also separates dimensions, `[]` is a
 * scalar) into `[[1,3,224,224],[1,10]]`. Empty text gives an empty list.
 */
export function parseShapes(text: string): number[][] {
    if (text.trim() === '') {
        return [];
    }
    return text.split(';').map((segment, index) => parseShape(segment, index));
}

function parseShape(segment: string, index: number): number[] {
    const inner = segment.trim().replace(/^[[(]\s*|\s*[\])]$/g, '');
    if (inner.trim() === '') {
        if (/^\s*[[(]\s*[\])]\s*$/.test(segment)) {
            return [];
        }
        throw new ShapeSyntaxError(`shape ${index + 1} is empty (write [] for a scalar)`);
    }
    return inner.split(/[,x×]/).map((part) => {
        const text = part.trim();
        if (!/^\d+$/.test(text) || Number(text) <= 0) {
            throw new ShapeSyntaxError(`shape ${index + 1}: "${text}" is not a positive whole number`);
        }
        return Number(text);
    });
}

/** Message for the shapes box, or undefined when the text is fine for `inputCount` inputs. */
export function validateShapes(text: string, inputCount: number): string | undefined {
    let shapes: number[][];
    try {
        shapes = parseShapes(text);
    } catch (error) {
        return error instanceof ShapeSyntaxError ? error.message : String(error);
    }
    if (shapes.length !== 0 && inputCount > 0 && shapes.length !== inputCount) {
        return `${inputCount} input node(s) need ${inputCount} shape(s) separated by ";", got ${shapes.length}`;
    }
    return undefined;
}

/** Message for a node list box, or undefined when fine. */
export function validateNodeList(text: string, required: boolean): string | undefined {
    const names = parseNodeList(text);
    if (required && names.length === 0) {
        return 'give at least one node name';
    }
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    return duplicate !== undefined ? `"${duplicate}" is listed twice` : undefined;
}

/** What the user typed in the three boxes. */
export interface DialogAnswers {
    inputNodes: string;
    shapes: string;
    outputNodes: string;
}

/** Build `convertModelFile` options from the answers; empty boxes leave the server's defaults. */
export function buildConvertOptions(answers: DialogAnswers, outputFolder: string | null): ConvertModelOptions {
    const options: ConvertModelOptions = {};
    const inputNodes = parseNodeList(answers.inputNodes);
    if (inputNodes.length > 0) {
        options.inputNodes = inputNodes;
    }
    const shapes = parseShapes(answers.shapes);
    if (shapes.length > 0) {
        options.shapes = shapes;
    }
    const outputNodes = parseNodeList(answers.outputNodes);
    if (outputNodes.length > 0) {
        options.outputNodes = outputNodes;
    }
    if (outputFolder !== null) {
        options.outputDir = outputFolder;
        options.reportDir = outputFolder;
    }
    return options;
}

/** One line for the notification shown when the conversion ends. */
export function describeSummary(result: ConvertModelResult): string {
    const { ops_total, ops_converted, unconverted, verification } = result.summary;
    const parts = [`${ops_converted}/${ops_total} operators converted`];
    if (unconverted > 0) {
        parts.push(`${unconverted} left as placeholders`);
    }
    if (verification !== '') {
        parts.push(`verification: ${verification}`);
    }
    return parts.join(', ');
}
