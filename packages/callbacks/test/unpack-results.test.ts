/** unpackResults: the Python utility's logs, lines and summary scalars. */
import { ValueError } from '@tfsim/utils';

import { type EpochLogger, unpackResults } from '../src';

describe('unpackResults', () => {
  it("fills the logs, writes each value at the epoch, and returns Python's lines", () => {
    const logs: Record<string, unknown> = { loss: 0.5 };
    const writes: Array<[number, Record<string, number>]> = [];
    const writer: EpochLogger = { write: (epoch, values) => void writes.push([epoch, { ...values }]) };
    const lines = unpackResults(
      { f1: new Float32Array([0.8571428656578064, 0.1]), recall: 0.123456, precision: [1] },
      3,
      logs,
      writer,
      '_val',
    );
    expect(lines).toEqual(['f1_val: 0.8571', 'recall_val: 0.1235', 'precision_val: 1.0000']);
    expect(logs).toEqual({ loss: 0.5, f1_val: Math.fround(0.8571428656578064), recall_val: 0.123456, precision_val: 1 });
    expect(writes).toEqual([[3, { f1_val: Math.fround(0.8571428656578064), recall_val: 0.123456, precision_val: 1 }]]);
  });

  it('works without a writer or suffix, and names a bad result', () => {
    const logs: Record<string, unknown> = {};
    expect(unpackResults({ map: 0.5 }, 0, logs, null)).toEqual(['map: 0.5000']);
    expect(logs).toEqual({ map: 0.5 });
    expect(() => unpackResults({ bad: [] }, 0, {})).toThrow(ValueError);
    expect(() => unpackResults({ bad: 'x' as never }, 0, {})).toThrow('result bad must be a number or an array of numbers, got x');
  });
});
