import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { patchFaissNode, setupNative } from '../src/setup';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PATCH = path.join(__dirname, '..', 'patches', 'faiss-node@0.5.1.patch');
const CLI = path.join(__dirname, '..', 'src', 'cli.ts');

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-setup-native-'));
}

/** Every file under `dir` with its bytes, for comparing trees. */
function tree(dir: string, base = dir): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of tree(full, base)) out.set(k, v);
    else out.set(path.relative(base, full), fs.readFileSync(full, 'latin1'));
  }
  return out;
}

describe('setupNative', () => {
  it('finds an installed tfjs-node binding that loads and leaves it as it is', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const results = setupNative({ resolveFrom: [path.join(ROOT, 'packages', 'utils')], only: 'tfjs' });
      if (process.env.TFSIM_REQUIRE_NATIVE === '1') expect(results).toEqual({ 'tfjs-node': true });
      expect(Object.keys(results)).toEqual(['tfjs-node']);
      if (results['tfjs-node']) {
        expect(log.mock.calls.map((c) => String(c[0]))).toContain('[setup:native] tfjs-node: the native binding loads; nothing to do');
      }
    } finally {
      log.mockRestore();
    }
  });
});

describe('patchFaissNode', () => {
  it('turns faiss-node as npm ships it into the patched sources this repository builds, and leaves a patched one alone', () => {
    const patched = path.dirname(require.resolve('faiss-node/package.json', { paths: [path.join(ROOT, 'packages', 'search')] }));
    const dir = path.join(scratch(), 'faiss-node');
    for (const sub of ['package.json', 'binding.gyp', 'lib', 'src'])
      fs.cpSync(path.join(fs.realpathSync(patched), sub), path.join(dir, sub), { recursive: true });
    const expected = tree(dir);
    execFileSync('patch', ['-p1', '-R', '--input', PATCH], { cwd: dir, stdio: 'pipe' });
    expect(fs.existsSync(path.join(dir, 'binding.gyp'))).toBe(false);

    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(patchFaissNode(dir)).toBe(true);
      expect(tree(dir)).toEqual(expected);
      expect(patchFaissNode(dir)).toBe(true); // already patched: nothing to do
      expect(tree(dir)).toEqual(expected);
    } finally {
      log.mockRestore();
    }
  });
});

describe('tfsim-setup-native', () => {
  // A child process: Node's own module resolution, as in a user's project (jest's, and the NODE_PATH
  // that pnpm's jest launcher sets, would find this repository's packages).
  const { NODE_PATH: _, ...env } = process.env;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [require.resolve('tsx/cli', { paths: [ROOT] }), '--conditions=@tfsim/source', CLI, ...args], {
      encoding: 'utf8',
      env,
    });

  it('reports both pieces unavailable, builds nothing, and fails --require, in a project that installs neither', () => {
    const project = scratch();
    const result = cli('--require', '--from', project, '--cache', path.join(project, 'cache'));
    expect(result.stdout.trim().split('\n')).toEqual([
      '[setup:native] tfjs-node: not installed (it is optional); skipping',
      '[setup:native] faiss-node: not installed (it is optional); skipping',
      '[setup:native] blas: @tfsim/search is not installed here; nothing to build',
      '[setup:native] hnsw: @tfsim/search is not installed here; nothing to build',
      '[setup:native] tf-ops: @tfsim/models is not installed here; nothing to build',
      '[setup:native] tfjs-node: unavailable, faiss-node: unavailable',
    ]);
    expect(result.status).toBe(1);
    expect(fs.existsSync(path.join(project, 'cache'))).toBe(false);
  });

  it('refuses an unknown --only with the values it takes', () => {
    const result = cli('--only=gpu');
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('tfsim-setup-native: --only takes tfjs, faiss, blas, hnsw or tfops, not "gpu"');
  });
});
