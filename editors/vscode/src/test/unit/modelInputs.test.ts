// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    buildConvertOptions,
    errorCode,
    OUTPUT_EXISTS,
    ConvertModelResult,
    describeDeclaredShapes,
    describeSummary,
    formatNodeList,
    formatShapes,
    hasDynamicDims,
    parseNodeList,
    parseShapes,
    ShapeSyntaxError,
    TensorInfo,
    validateNodeList,
    validateShapes,
} from '../../common/modelInputs';

const image: TensorInfo = { name: 'input', shape: ['batch', 3, 224, 224], dtype: 'float32' };
const mask: TensorInfo = { name: 'mask', shape: [-1, 16], dtype: 'int64' };
const scalar: TensorInfo = { name: 'scale', shape: [], dtype: 'float32' };

describe('node lists', () => {
    it('round-trips names', () => {
        assert.equal(formatNodeList(['input', 'mask:0']), 'input, mask:0');
        assert.deepEqual(parseNodeList(' input ,mask:0,, '), ['input', 'mask:0']);
        assert.deepEqual(parseNodeList(''), []);
    });

    it('validates: required lists need a name, duplicates are refused', () => {
        assert.equal(validateNodeList('', false), undefined);
        assert.equal(validateNodeList(' , ', true), 'give at least one node name');
        assert.equal(validateNodeList('a, b, a', false), '"a" is listed twice');
        assert.equal(validateNodeList('a, b', true), undefined);
    });
});

describe('shapes', () => {
    it('prefills concrete shapes and replaces symbolic or unknown dimensions by 1', () => {
        assert.equal(formatShapes([image, mask, scalar]), '1,3,224,224; 1,16; []');
    });

    it('describes what the model declares', () => {
        assert.equal(describeDeclaredShapes([image, mask, scalar]), 'input[batch,3,224,224], mask[?,16], scale[]');
        assert.equal(hasDynamicDims([image]), true);
        assert.equal(hasDynamicDims([{ name: 'x', shape: [1, 3], dtype: 'float32' }]), false);
    });

    it('parses what the prefill produces', () => {
        assert.deepEqual(parseShapes(formatShapes([image, mask, scalar])), [[1, 3, 224, 224], [1, 16], []]);
    });

    it('accepts brackets, parentheses and x between dimensions', () => {
        assert.deepEqual(parseShapes('[1, 3, 32, 32]; (2,5) ; 4x8'), [
            [1, 3, 32, 32],
            [2, 5],
            [4, 8],
        ]);
    });

    it('gives no shapes for empty text', () => {
        assert.deepEqual(parseShapes('   '), []);
    });

    it('refuses symbolic, negative, fractional and empty dimensions', () => {
        assert.throws(() => parseShapes('batch,3'), ShapeSyntaxError);
        assert.throws(() => parseShapes('1,-3'), /"-3" is not a positive whole number/);
        assert.throws(() => parseShapes('1,2.5'), ShapeSyntaxError);
        assert.throws(() => parseShapes('1,0'), ShapeSyntaxError);
        assert.throws(() => parseShapes('1,3;'), /shape 2 is empty/);
    });

    it('validates the count against the input nodes', () => {
        assert.equal(validateShapes('1,3; 1,4', 2), undefined);
        assert.equal(validateShapes('1,3', 2), '2 input node(s) need 2 shape(s) separated by ";", got 1');
        assert.equal(validateShapes('', 2), undefined, 'empty: the server uses the model shapes');
        assert.match(validateShapes('1,n', 1)!, /"n" is not a positive whole number/);
    });
});

describe('buildConvertOptions', () => {
    it('sends what the boxes hold and the output folder for script and report', () => {
        assert.deepEqual(
            buildConvertOptions(
                { inputNodes: 'input, mask', shapes: '1,3,224,224; 1,16', outputNodes: 'logits' },
                '/ws/out',
            ),
            {
                inputNodes: ['input', 'mask'],
                shapes: [
                    [1, 3, 224, 224],
                    [1, 16],
                ],
                outputNodes: ['logits'],
                outputDir: '/ws/out',
                reportDir: '/ws/out',
            },
        );
    });

    it("leaves empty boxes and an unset folder to the server's defaults", () => {
        assert.deepEqual(buildConvertOptions({ inputNodes: '', shapes: '', outputNodes: ' ' }, null), {});
    });
});

describe('describeSummary', () => {
    const result: ConvertModelResult = {
        script: '/out/model.py',
        checkpoint: '/out/model.ckpt',
        reportJson: '/out/report_of_model.json',
        reportText: '/out/report_of_model.txt',
        summary: { ops_total: 12, ops_converted: 10, unconverted: 2, verification: 'passed (max abs diff 1e-6)' },
    };

    it('counts converted and unconverted operators and gives the verification', () => {
        assert.equal(
            describeSummary(result),
            '10/12 operators converted, 2 left as placeholders, verification: passed (max abs diff 1e-6)',
        );
    });

    it('omits what is empty', () => {
        assert.equal(
            describeSummary({
                ...result,
                summary: { ops_total: 3, ops_converted: 3, unconverted: 0, verification: '' },
            }),
            '3/3 operators converted',
        );
    });
});

describe('errorCode', () => {
    it('reads the MindConverter code of a server error response', () => {
        assert.equal(errorCode({ code: -32603, message: 'x', data: { code: 'MC302', message: 'exists' } }), 'MC302');
    });
    it('is undefined for other errors', () => {
        assert.equal(errorCode(new Error('boom')), undefined);
        assert.equal(errorCode({ data: { code: 5 } }), undefined);
        assert.equal(errorCode(null), undefined);
    });
    it('names the output-exists code', () => {
        assert.equal(OUTPUT_EXISTS, 'MC302');
    });
});
