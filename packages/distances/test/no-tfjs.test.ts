import * as path from 'node:path';

import { runWithoutTfjs } from '@tfsim/test-utils/no-tfjs';

const script = path.join(__dirname, 'fixtures', 'use-without-tfjs.ts');

describe('loading without TensorFlow.js', () => {
  it('loads and computes typed-array distances when @tensorflow/* cannot be resolved', () => {
    const out = runWithoutTfjs<{ values: number[]; loaded: string[]; tensorError: string }>(script);
    expect(out.values).toEqual([0, 1]);
    expect(out.loaded).toEqual([]);
    // The tensor side says what is missing instead of crashing at load time.
    expect(out.tensorError).toBe('BackendError');
  });
});
