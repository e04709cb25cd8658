import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@tfsim/test-utils';

/** The README's ```ts blocks. */
function examples(): string[] {
  const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs a README example against this package's sources; returns its output. */
function runExample(code: string, dir: string): string {
  const file = path.join(dir, `example-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, code.replaceAll("from '@tfsim/stores'", `from '${path.join(__dirname, '..', 'src', 'index.ts')}'`));
  const tsx = require.resolve('tsx/cjs', { paths: [path.join(__dirname, '..', '..', '..')] });
  const run = spawnSync(process.execPath, ['--require', tsx, '--conditions=@tfsim/source', file], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`example failed (${run.status}):\n${run.stderr}`);
  return run.stdout;
}

describe('README', () => {
  const dir = tempDir('tfsim-stores-readme-');
  it('runs the first example and prints what its comments say', () => {
    const out = runExample(examples()[0]!, dir);
    expect(out).toContain('[ 0, 1, 2 ]');
    expect(out).toContain("[ null, 1 ] [ null, { file: 'cat.png' } ]");
    expect(out).toContain("{ file: 'dog.png' }");
    expect(out.trim().split('\n').slice(-1)[0]).toBe('3');
  });
});
