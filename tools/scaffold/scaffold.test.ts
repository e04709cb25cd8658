import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { checkGraph, readDocumentedGraph } from '../graph-check/graph';
import { entryConditions } from '../release/manifests';
import { scaffoldPackage } from './scaffold';

const REPO = path.resolve(__dirname, '..', '..');

/** A copy of the repository's graph-relevant files: package manifests, sources, docs. */
function copyWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-scaffold-'));
  fs.mkdirSync(path.join(root, 'docs'));
  fs.copyFileSync(path.join(REPO, 'docs', 'architecture.md'), path.join(root, 'docs', 'architecture.md'));
  for (const name of fs.readdirSync(path.join(REPO, 'packages'))) {
    const from = path.join(REPO, 'packages', name);
    const to = path.join(root, 'packages', name);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    for (const sub of ['src', 'test']) {
      if (fs.existsSync(path.join(from, sub))) fs.cpSync(path.join(from, sub), path.join(to, sub), { recursive: true });
    }
  }
  return root;
}

describe('scaffoldPackage', () => {
  let root: string;
  beforeEach(() => {
    root = copyWorkspace();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates a package with the project layout and registers it in the documented graph', () => {
    const dir = scaffoldPackage({
      rootDir: root,
      name: 'hamming',
      description: 'Hamming distance for binary codes.',
      deps: ['distances', 'utils'],
      indexSide: true,
    });
    for (const file of [
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'jest.config.cjs',
      'README.md',
      'src/index.ts',
      'test/index.test.ts',
    ]) {
      expect(fs.existsSync(path.join(dir, file))).toBe(true);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@tfsim/hamming');
    expect(manifest.exports['.']).toEqual(entryConditions('./src/index.ts'));
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(manifest.dependencies).toEqual({ '@tfsim/distances': 'workspace:^', '@tfsim/utils': 'workspace:^' });
    const graph = readDocumentedGraph(root);
    expect([...graph.edges.get('hamming')!]).toEqual(['distances', 'utils']);
    expect(graph.indexSide.has('hamming')).toBe(true);
    expect(fs.readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8')).toContain(
      '| `@tfsim/hamming` | distances, utils | Hamming distance for binary codes. |',
    );
    expect(checkGraph(root)).toEqual([]);
  });

  it('yields a package the graph check rejects until a new import is declared', () => {
    const dir = scaffoldPackage({ rootDir: root, name: 'hamming', description: 'x', deps: ['utils'] });
    fs.writeFileSync(
      path.join(dir, 'src', 'index.ts'),
      "import { Rng } from '@tfsim/utils';\nimport { PACKAGE_NAME } from '@tfsim/distances';\nexport const r = [Rng, PACKAGE_NAME];\n",
    );
    expect(checkGraph(root)).toEqual([
      'packages/hamming/src/index.ts:2 imports @tfsim/distances, which @tfsim/hamming does not declare in dependencies or peerDependencies',
    ]);
    const manifestPath = path.join(dir, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.dependencies['@tfsim/distances'] = 'workspace:^';
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(checkGraph(root)).toEqual(['@tfsim/hamming declares @tfsim/distances, an edge missing from the documented graph']);
  });

  it('refuses bad names and existing packages', () => {
    expect(() => scaffoldPackage({ rootDir: root, name: 'Bad Name', description: 'x' })).toThrow('lower-case');
    expect(() => scaffoldPackage({ rootDir: root, name: 'utils', description: 'x' })).toThrow('packages/utils already exists');
  });
});

describe('a scaffolded package inside the real workspace', () => {
  // Builds, lints, typechecks and tests green at once (slow: runs the real tools).
  const name = 'scaffold-probe';
  const dir = path.join(REPO, 'packages', name);
  const doc = path.join(REPO, 'docs', 'architecture.md');
  let savedDoc = '';
  beforeAll(() => {
    savedDoc = fs.readFileSync(doc, 'utf8');
    scaffoldPackage({ rootDir: REPO, name, description: 'probe', deps: ['utils'] });
    // Link its workspace dependency the way `pnpm install` would, without touching the lockfile.
    fs.mkdirSync(path.join(dir, 'node_modules', '@tfsim'), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'packages', 'utils'), path.join(dir, 'node_modules', '@tfsim', 'utils'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(doc, savedDoc);
  });

  it('builds to dist/ with .d.ts, lints, typechecks and passes its own test', () => {
    const bin = (tool: string) => path.join(REPO, 'node_modules', '.bin', tool);
    execFileSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' });
    execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe' });
    expect(fs.existsSync(path.join(dir, 'dist', 'index.js'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'dist', 'index.d.ts'), 'utf8')).toContain('PACKAGE_NAME');
    execFileSync(bin('eslint'), ['src', 'test'], { cwd: dir, stdio: 'pipe' });
    execFileSync(bin('jest'), ['--ci'], { cwd: dir, stdio: 'pipe' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'test-results.json'), 'utf8'))).toMatchObject({ passed: 1, failed: 0 });
  }, 120_000);
});
