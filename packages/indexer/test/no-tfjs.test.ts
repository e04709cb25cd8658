import * as path from 'node:path';

import { runWithoutTfjs } from '@tfsim/test-utils/no-tfjs';

const script = path.join(__dirname, 'fixtures', 'use-without-tfjs.ts');

describe('the index side runs without TensorFlow.js', () => {
  it('builds an Indexer, adds, looks up, calibrates and matches while any @tensorflow/* require throws', () => {
    const out = runWithoutTfjs<{ labels: number[][]; optimal: string; matches: Record<string, number[]>; size: number; loaded: string[] }>(
      script,
      {
        TFSIM_PROGRESS: '0',
      },
    );
    expect(out.loaded).toEqual([]);
    expect(out.size).toBe(5);
    expect(out.labels).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(out.optimal).toBe('optimal');
    // [1,0,0] is indexed (distance 0); [0,0,-1] is as far as cosine goes (2), beyond any calibrated distance
    expect(out.matches.optimal).toEqual([0, -1]);
  });
});
