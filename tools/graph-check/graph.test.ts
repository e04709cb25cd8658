import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { checkGraph, installedTfjsCoreCopies, readDocumentedGraph } from './graph';

const REPO = path.resolve(__dirname, '..', '..');

interface FixturePackage {
  deps?: string[];
  devDeps?: string[];
  tfjs?: Record<string, string>;
  src?: Record<string, string>;
  test?: Record<string, string>;
  private?: boolean;
}

/** A throw-away workspace: packages/<name>/{package.json,src,test} and docs/architecture.md. */
function makeWorkspace(packages: Record<string, FixturePackage>, mermaid: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-graph-'));
  for (const [name, pkg] of Object.entries(packages)) {
    const dir = path.join(root, 'packages', name);
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'test'), { recursive: true });
    const manifest = {
      name: `@tfsim/${name}`,
      private: pkg.private,
      dependencies: {
        ...Object.fromEntries((pkg.deps ?? []).map((d) => [`@tfsim/${d}`, 'workspace:^'])),
        ...(pkg.tfjs ?? {}),
      },
      devDependencies: Object.fromEntries((pkg.devDeps ?? []).map((d) => [`@tfsim/${d}`, 'workspace:*'])),
    };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
    for (const [file, text] of Object.entries(pkg.src ?? { 'index.ts': 'export const x = 1;\n' })) {
      fs.writeFileSync(path.join(dir, 'src', file), text);
    }
    for (const [file, text] of Object.entries(pkg.test ?? {})) fs.writeFileSync(path.join(dir, 'test', file), text);
  }
  fs.mkdirSync(path.join(root, 'docs'));
  fs.writeFileSync(
    path.join(root, 'docs', 'architecture.md'),
    ['# graph', '', '```mermaid', 'graph BT', ...mermaid.map((l) => `  ${l}`), '```', ''].join('\n'),
  );
  return root;
}

const cleanPackages = (): Record<string, FixturePackage> => ({
  utils: {},
  search: { deps: ['utils'], src: { 'index.ts': "import { x } from '@tfsim/utils';\nexport const y = x;\n" } },
  losses: {
    deps: ['utils'],
    tfjs: { '@tensorflow/tfjs-core': 'catalog:' },
    src: { 'index.ts': "import * as tf from '@tensorflow/tfjs-core';\nimport '@tfsim/utils';\nexport const t = tf;\n" },
  },
  'test-utils': { private: true, deps: ['utils'] },
});
const cleanMermaid = ['utils', 'search --> utils', 'losses --> utils', 'test-utils --> utils', 'class search indexSide'];

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
function check(packages: Record<string, FixturePackage>, mermaid = cleanMermaid): string[] {
  const root = makeWorkspace(packages, mermaid);
  roots.push(root);
  return checkGraph(root);
}

describe('checkGraph', () => {
  it('accepts a workspace whose imports, declarations and documented graph agree', () => {
    expect(check(cleanPackages())).toEqual([]);
  });

  it('fails when a source file imports a workspace package it does not declare', () => {
    const packages = cleanPackages();
    packages.search!.src = { 'index.ts': "import { x } from '@tfsim/utils';\nimport { t } from '@tfsim/losses';\n" };
    expect(check(packages)).toEqual([
      'packages/search/src/index.ts:2 imports @tfsim/losses, which @tfsim/search does not declare in dependencies or peerDependencies',
    ]);
  });

  it('lets tests import dev dependencies but not undeclared packages', () => {
    const packages = cleanPackages();
    packages.search!.devDeps = ['test-utils'];
    packages.search!.test = { 'a.test.ts': "import '@tfsim/test-utils';\nimport { t } from '@tfsim/losses';\n" };
    expect(check(packages)).toEqual([
      'packages/search/test/a.test.ts:2 imports @tfsim/losses, which @tfsim/search does not declare in any dependency section',
    ]);
  });

  it('fails when a declared edge is not documented, and when a documented edge is not declared', () => {
    const packages = cleanPackages();
    packages.losses!.deps = ['utils', 'search'];
    expect(check(packages)).toEqual(['@tfsim/losses declares @tfsim/search, an edge missing from the documented graph']);
    expect(check(cleanPackages(), [...cleanMermaid, 'losses --> search'])).toEqual([
      'the documented graph has losses --> search, but @tfsim/losses does not declare it',
    ]);
  });

  it('fails on a cycle', () => {
    const packages = cleanPackages();
    packages.utils!.deps = ['search'];
    const problems = check(packages, [...cleanMermaid, 'utils --> search']);
    expect(problems).toContain('dependency cycle: utils -> search -> utils');
  });

  it('fails when the index side, or what it loads, imports TensorFlow.js; type imports and marked lazy loads pass', () => {
    const packages = cleanPackages();
    packages.utils!.src = {
      'index.ts': "import type { Tensor } from '@tensorflow/tfjs-core';\nexport type T = Tensor;\n",
      'lazy.ts': "export function load() {\n  // tfsim-graph: lazy-tfjs\n  return require('@tensorflow/tfjs-core');\n}\n",
    };
    expect(check(packages)).toEqual([]);
    packages.search!.src = { 'index.ts': "import '@tfsim/utils';\nimport { tensor } from '@tensorflow/tfjs-core';\n" };
    packages.utils!.src = { 'index.ts': "export const tf = require('@tensorflow/tfjs-node');\n" };
    expect(check(packages)).toEqual([
      'packages/search/src/index.ts:2 imports @tensorflow/tfjs-core, but @tfsim/search is index-side and must load without TensorFlow.js',
      'packages/utils/src/index.ts:1 imports @tensorflow/tfjs-node, but @tfsim/utils is loaded by the index side and must load without TensorFlow.js',
    ]);
  });

  it('requires tfjs versions from the catalog and keeps private packages out of run-time edges', () => {
    const packages = cleanPackages();
    packages.losses!.tfjs = { '@tensorflow/tfjs-core': '^4.0.0' };
    packages.search!.deps = ['utils', 'test-utils'];
    expect(check(packages)).toEqual([
      '@tfsim/losses dependencies pins @tensorflow/tfjs-core@^4.0.0; use "catalog:" so one tfjs version exists',
      '@tfsim/search depends at run time on the private package @tfsim/test-utils',
    ]);
  });

  it('fails when a public package is missing from the documented graph', () => {
    expect(check(cleanPackages(), ['utils', 'search --> utils', 'test-utils --> utils'])).toEqual([
      '@tfsim/losses is not in the documented graph (docs/architecture.md)',
      '@tfsim/losses declares @tfsim/utils, an edge missing from the documented graph',
    ]);
  });

  it('fails when a private package (the test helpers) or its run-time edge is missing from the documented graph', () => {
    expect(check(cleanPackages(), ['utils', 'search --> utils', 'losses --> utils'])).toEqual([
      '@tfsim/test-utils is not in the documented graph (docs/architecture.md)',
      '@tfsim/test-utils declares @tfsim/utils, an edge missing from the documented graph',
    ]);
  });
});

describe('this repository', () => {
  it('has a clean package graph', () => {
    expect(checkGraph(REPO)).toEqual([]);
  });

  it('documents the seventeen packages of the design, with the index side marked', () => {
    const graph = readDocumentedGraph(REPO);
    for (const name of [
      'distances',
      'losses',
      'samplers',
      'stores',
      'search',
      'matchers',
      'classification-metrics',
      'retrieval-metrics',
      'training-metrics',
      'evaluators',
      'indexer',
      'layers',
      'models',
      'architectures',
      'callbacks',
      'visualization',
      'utils',
    ]) {
      expect(graph.nodes).toContain(name);
    }
    expect([...graph.indexSide].sort()).toEqual([
      'classification-metrics',
      'evaluators',
      'indexer',
      'matchers',
      'retrieval-metrics',
      'search',
      'stores',
    ]);
  });

  it('has exactly one installed copy of @tensorflow/tfjs-core (one engine)', () => {
    expect(installedTfjsCoreCopies(REPO)).toEqual(['@tensorflow+tfjs-core@4.22.0']);
  });
});
