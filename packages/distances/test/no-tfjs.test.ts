import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const tsxCjs = require.resolve('tsx/cjs');
const block = path.join(__dirname, 'fixtures', 'block-tfjs.cjs');
const script = path.join(__dirname, 'fixtures', 'use-without-tfjs.ts');

describe('loading without TensorFlow.js', () => {
  it('loads and computes typed-array distances when @tensorflow/* cannot be resolved', () => {
    const result = spawnSync(
      process.execPath,
      ['--conditions=@tfsim/source', '--require', block, '--require', tsxCjs, script],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (!line.startsWith('{')) throw new Error(`child failed (${result.status}): ${result.stderr}`);
    const out = JSON.parse(line) as { values: number[]; loaded: string[]; tensorError: string };
    expect(out.values).toEqual([0, 1]);
    expect(out.loaded).toEqual([]);
    // The tensor side says what is missing instead of crashing at load time.
    expect(out.tensorError).toBe('BackendError');
  });
});
