import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A project that installs only @tfsim/indexer and its dependencies (no
 * @tensorflow/*) typechecks their declarations with `skipLibCheck: false`.
 * Runs on the built dist/, so `pnpm build` must have run.
 */
const repo = path.resolve(__dirname, '../../..');
const INDEX_SIDE = [
  'indexer',
  'utils',
  'distances',
  'stores',
  'search',
  'matchers',
  'classification-metrics',
  'retrieval-metrics',
  'evaluators',
];
const tsc = require.resolve('typescript/bin/tsc');

const PROGRAM = `
import { Indexer } from '@tfsim/indexer';
import { getDistance, type RowDistance } from '@tfsim/distances/rows';
import type { Lookup } from '@tfsim/utils/core';

export async function run(): Promise<number> {
  const distance: RowDistance = getDistance('l2');
  const indexer = new Indexer(2, { distance });
  const name: string = indexer.distance.name;
  await indexer.batchAdd([[1, 0], [0, 1]], [0, 1]);
  const lookups: Lookup[][] = await indexer.batchLookup([[1, 0]], 1);
  await indexer.calibrate([[1, 0], [0, 1]], [0, 1]);
  return lookups.length + name.length + distance.between([1, 0], [0, 1]);
}
`;

/** Copies each package's manifest and dist/ under node_modules/@tfsim, links @types/node, writes tsconfig and `main.ts`. */
function scratchProject(program: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-no-tfjs-types-'));
  for (const name of INDEX_SIDE) {
    const from = path.join(repo, 'packages', name);
    const to = path.join(dir, 'node_modules', '@tfsim', name);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    fs.cpSync(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
  }
  fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(
    path.dirname(require.resolve('@types/node/package.json', { paths: [repo] })),
    path.join(dir, 'node_modules', '@types', 'node'),
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
      },
      files: ['main.ts'],
    }),
  );
  fs.writeFileSync(path.join(dir, 'main.ts'), program);
  return dir;
}

/** tsc's diagnostics (empty when it passes). */
function typecheck(dir: string): string {
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe('index-side declarations without TensorFlow.js', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('typecheck with skipLibCheck: false in a project with no @tensorflow/*', () => {
    const dir = scratchProject(PROGRAM);
    dirs.push(dir);
    expect(fs.existsSync(path.join(dir, 'node_modules', '@tensorflow'))).toBe(false);
    expect(typecheck(dir)).toBe('');
  }, 60_000);

  it('would catch a declaration that names a tfjs type (the main entry of utils does)', () => {
    const dir = scratchProject(`import { matrixToTensor } from '@tfsim/utils';\nexport const f = matrixToTensor;\n`);
    dirs.push(dir);
    expect(typecheck(dir)).toMatch(/TS2307: Cannot find module '@tensorflow\/tfjs-core'/);
  }, 60_000);
});
