import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const tsxCjs = require.resolve('tsx/cjs');
const block = path.join(__dirname, 'fixtures', 'block-tfjs.cjs');
const script = path.join(__dirname, 'fixtures', 'use-without-tfjs.ts');

describe('the index side runs without TensorFlow.js', () => {
  it('builds an Indexer, adds, looks up, calibrates and matches while any @tensorflow/* require throws', () => {
    const result = spawnSync(process.execPath, ['--conditions=@tfsim/source', '--require', block, '--require', tsxCjs, script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TFSIM_PROGRESS: '0' },
    });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (!line.startsWith('{')) throw new Error(`child failed (${result.status}): ${result.stderr}`);
    const out = JSON.parse(line) as { labels: number[][]; optimal: string; matches: Record<string, number[]>; size: number; loaded: string[] };
    expect(out.loaded).toEqual([]);
    expect(out.size).toBe(5);
    expect(out.labels).toEqual([[0, 0], [0, 0], [1, 1], [1, 1]]);
    expect(out.optimal).toBe('optimal');
    // [1,0,0] is indexed (distance 0); [0,0,-1] is as far as cosine goes (2), beyond any calibrated distance
    expect(out.matches.optimal).toEqual([0, -1]);
  });
});
