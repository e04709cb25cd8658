import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The README's ```ts blocks. */
function examples(): string[] {
  const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs a README example against this package's sources; returns its output. */
function runExample(code: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfsim-search-readme-'));
  try {
    const file = path.join(dir, 'example.ts');
    writeFileSync(file, code.replaceAll("from '@tfsim/search'", `from '${path.join(__dirname, '..', 'src', 'index.ts')}'`));
    const tsx = require.resolve('tsx/cjs', { paths: [path.join(__dirname, '..', '..', '..')] });
    const run = spawnSync(process.execPath, ['--require', tsx, '--conditions=@tfsim/source', file], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`example failed (${run.status}):\n${run.stderr}`);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README', () => {
  it('runs the first example and prints what its comments say', () => {
    const out = runExample(examples()[0]!);
    expect(out).toContain('Int32Array(3) [ 10, 30, 20 ]');
    expect(out).toContain('Float32Array(3) [ 1, 1, 4.242640495300293 ]');
    expect(out.replace(/\s+/g, ' ')).toContain('ids: Int32Array(3) [ 2, 1, 3 ], distances: Float32Array(3) [ 4, 1, 1 ]');
    expect(out.trim().split('\n').slice(-1)[0]).toBe('4 Int32Array(1) [ 40 ]');
  });

  it('runs the UsearchSearch example', () => {
    const out = runExample(examples()[1]!);
    if (out.trim() !== '') {
      expect(out).toContain('Int32Array(2) [ -3, 7 ]');
      expect(out).toContain('Float32Array(2) [ 1, 4.242640495300293 ]');
    }
  });

  it('runs the HnswSearch example', () => {
    const out = runExample(examples()[3]!);
    if (out.trim() !== '' || process.env.TFSIM_REQUIRE_HNSW === '1') {
      expect(out.replace(/\s+/g, ' ')).toContain(
        'ids: Int32Array(2) [ -3, 12 ], distances: Float32Array(2) [ 0.09999990463256836, 3.522783041000366 ]',
      );
      expect(out.trim().split('\n').slice(-1)[0]).toBe('Int32Array(1) [ 12 ]');
    }
  });

  it('runs the FaissSearch example', () => {
    const out = runExample(examples()[2]!);
    if (out.trim() !== '') expect(out).toContain("algo: 'IVF1024,PQ16x8np'");
  });
});
