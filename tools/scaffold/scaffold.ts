/**
 * Creates a new workspace package with the project's layout and registers it
 * in the documented graph (docs/architecture.md), so that the graph check
 * accepts it. Used for every package of the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SCOPE } from '../graph-check/graph';
import { LEGAL_FILES, type Manifest, normalise, ROOT as RELEASE_ROOT, serialise } from '../release/manifests';

export interface ScaffoldOptions {
  rootDir: string;
  /** Short name, e.g. `distances` for `@tfsim/distances`. */
  name: string;
  description: string;
  /** Workspace packages this one depends on (short names). */
  deps?: string[];
  /** Uses tensors: TensorFlow.js becomes a peer dependency. */
  tensors?: boolean;
  /** Belongs to the index side (must load without TensorFlow.js). */
  indexSide?: boolean;
  /** One line for the package table of docs/architecture.md. */
  why?: string;
}

export const TFJS_PEERS = ['@tensorflow/tfjs-core'];

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

export function packageJson(opts: ScaffoldOptions): Record<string, unknown> {
  const deps = Object.fromEntries((opts.deps ?? []).map((d) => [`${SCOPE}${d}`, 'workspace:^']));
  const manifest: Record<string, unknown> = {
    name: `${SCOPE}${opts.name}`,
    version: '0.1.0',
    description: opts.description,
    license: 'Apache-2.0',
    keywords: ['metric-learning', 'similarity', 'tensorflow', 'embeddings'],
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': {
        '@tfsim/source': './src/index.ts',
        types: './dist/index.d.ts',
        default: './dist/index.js',
      },
      './package.json': './package.json',
    },
    files: ['dist', 'src', '!src/**/*.test.ts'],
    sideEffects: false,
    engines: { node: '>=20.19' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      lint: 'eslint src test',
      test: 'jest',
    },
    dependencies: deps,
    devDependencies: { [`${SCOPE}test-utils`]: 'workspace:*' } as Record<string, string>,
  };
  if (opts.tensors) {
    manifest.peerDependencies = Object.fromEntries(TFJS_PEERS.map((p) => [p, 'catalog:']));
    const dev = manifest.devDependencies as Record<string, string>;
    for (const p of TFJS_PEERS) dev[p] = 'catalog:';
  }
  return manifest;
}

const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "noEmit": true,
    "rootDir": ".",
    "types": ["node", "jest"]
  },
  "include": ["src", "test"]
}
`;

const TSCONFIG_BUILD = `{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": false,
    "rootDir": "src",
    "outDir": "dist",
    "customConditions": [],
    "types": ["node"]
  },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
`;

const JEST_CONFIG = `module.exports = { ...require('../../jest.preset.cjs') };
`;

/** Adds the package and its edges to the Mermaid graph and the package table. */
export function registerInArchitecture(opts: ScaffoldOptions): void {
  const docPath = path.join(opts.rootDir, 'docs', 'architecture.md');
  let text = fs.readFileSync(docPath, 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`${docPath} has no mermaid block to register ${opts.name} in`);
  const lines = block[1]!.split('\n').filter((l) => l.trim() !== '');
  const firstClassLine = lines.findIndex((l) => /^\s*(classDef|class)\s/.test(l));
  const insertAt = firstClassLine === -1 ? lines.length : firstClassLine;
  const newLines = (opts.deps ?? []).length > 0 ? (opts.deps ?? []).map((d) => `  ${opts.name} --> ${d}`) : [`  ${opts.name}`];
  lines.splice(insertAt, 0, ...newLines);
  if (opts.indexSide) {
    const idx = lines.findIndex((l) => /^\s*class\s+[\w,-]+\s+indexSide\s*$/.test(l));
    if (idx === -1) lines.push(`  class ${opts.name} indexSide`);
    else lines[idx] = lines[idx]!.replace(/class\s+([\w,-]+)/, (_, names: string) => `class ${names},${opts.name}`);
  }
  text = text.replace(block[0], '```mermaid\n' + lines.join('\n') + '\n```');
  const tableMarker = '<!-- package-table-end -->';
  if (text.includes(tableMarker)) {
    const deps = (opts.deps ?? []).join(', ') || 'none';
    const row = `| \`${SCOPE}${opts.name}\` | ${deps} | ${opts.why ?? opts.description} |\n`;
    text = text.replace(tableMarker, row + tableMarker);
  }
  fs.writeFileSync(docPath, text);
}

export function scaffoldPackage(opts: ScaffoldOptions): string {
  if (!/^[a-z][a-z0-9-]*$/.test(opts.name)) {
    throw new Error(`package name "${opts.name}" must be lower-case letters, digits and dashes`);
  }
  const dir = path.join(opts.rootDir, 'packages', opts.name);
  if (fs.existsSync(dir)) throw new Error(`packages/${opts.name} already exists`);
  const fullName = `${SCOPE}${opts.name}`;
  // Shaped for publishing as every package is (exports both ways, repository fields, legal files).
  const manifest = normalise(packageJson(opts) as Manifest, opts.name);
  writeFile(path.join(dir, 'package.json'), serialise(manifest));
  for (const file of LEGAL_FILES) fs.copyFileSync(path.join(RELEASE_ROOT, file), path.join(dir, file));
  writeFile(path.join(dir, 'tsconfig.json'), TSCONFIG);
  writeFile(path.join(dir, 'tsconfig.build.json'), TSCONFIG_BUILD);
  writeFile(path.join(dir, 'jest.config.cjs'), JEST_CONFIG);
  writeFile(path.join(dir, 'src', 'index.ts'), `/** ${opts.description} */\nexport const PACKAGE_NAME = '${fullName}';\n`);
  writeFile(
    path.join(dir, 'test', 'index.test.ts'),
    `import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_NAME } from '../src';

describe('${fullName}', () => {
  it('exports its own package name', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string };
    expect(PACKAGE_NAME).toBe(manifest.name);
  });
});
`,
  );
  writeFile(
    path.join(dir, 'README.md'),
    `# ${fullName}

${opts.description}

\`\`\`sh
pnpm add ${fullName}
\`\`\`

\`\`\`ts
import { PACKAGE_NAME } from '${fullName}';

console.log(PACKAGE_NAME);
\`\`\`

Part of [@tfsim](../../README.md); [docs/architecture.md](../../docs/architecture.md)
shows where it sits in the package graph.
`,
  );
  registerInArchitecture(opts);
  return dir;
}
