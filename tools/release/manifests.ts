/**
 * The publishable packages' manifests, made uniform in one place: repository
 * fields, the `exports` map both ways (ESM `import` and CommonJS `require`,
 * beside the `@tfsim/source` condition the repository runs its tests on),
 * the files packed (with LICENSE and NOTICE), and public access. What only the
 * tarball should differ in (no devDependencies, TensorFlow.js peers as caret
 * ranges) is done at pack time by the beforePacking hook of .pnpmfile.cjs.
 *
 *   tsx tools/release/manifests.ts           rewrites the package.json files and
 *                                            copies LICENSE and NOTICE into each package
 *   tsx tools/release/manifests.ts --check   exits non-zero on any difference
 *
 * A test runs the check, so a new package or a hand edit cannot drift.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Where the sources live; every package's repository, homepage and bugs fields derive from it. */
export const REPOSITORY = 'https://github.com/tfsim/tfsim';

/** Writes the ESM entries after tsc (see the script); run from a package folder. */
const ESM_ENTRIES = '../../tools/release/esm-entries.mjs';

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface PackageInfo {
  dir: string;
  manifestPath: string;
  manifest: Manifest;
}

/** Every package under packages/ that is published (not private). */
export function publishablePackages(): PackageInfo[] {
  const base = path.join(ROOT, 'packages');
  return fs
    .readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
    .map((dir) => {
      const manifestPath = path.join(dir, 'package.json');
      return { dir, manifestPath, manifest: JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest };
    })
    .filter((p) => !p.manifest.private)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** One subpath's conditions: sources for the repository, then ESM and CommonJS builds with their types. */
export function entryConditions(source: string): Record<string, unknown> {
  const stem = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '');
  return {
    '@tfsim/source': source,
    import: { types: `${stem}.d.mts`, default: `${stem}.mjs` },
    require: { types: `${stem}.d.ts`, default: `${stem}.js` },
  };
}

/** The source file a subpath points at, from either the old flat or the new nested form. */
function sourceOf(conditions: unknown): string | undefined {
  if (typeof conditions !== 'object' || conditions === null) return undefined;
  const source = (conditions as Record<string, unknown>)['@tfsim/source'];
  return typeof source === 'string' ? source : undefined;
}

/** The manifest as it should be; `dir` is the package's folder name under packages/. */
export function normalise(manifest: Manifest, dir: string): Manifest {
  const out: Manifest = { ...manifest };
  out.repository = { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` };
  out.homepage = `${REPOSITORY}/tree/main/packages/${dir}#readme`;
  out.bugs = { url: `${REPOSITORY}/issues` };
  const exports: Record<string, unknown> = {};
  for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
    const source = sourceOf(conditions);
    exports[subpath] = source ? entryConditions(source) : conditions;
  }
  out.exports = exports;
  const main = sourceOf(exports['.']);
  if (main) {
    const stem = main.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '');
    out.main = `${stem}.js`;
    out.types = `${stem}.d.ts`;
  }
  // npm packs README and LICENSE by itself, NOTICE only when named.
  out.files = [...new Set([...(manifest.files ?? ['dist']), ...LEGAL_FILES])];
  const scripts = { ...(manifest.scripts as Record<string, string> | undefined) };
  if (scripts.build && !scripts.build.includes(ESM_ENTRIES)) scripts.build = `${scripts.build} && node ${ESM_ENTRIES}`;
  out.scripts = scripts;
  out.publishConfig = { access: 'public' };
  return reorder(out);
}

const ORDER = [
  'name',
  'version',
  'description',
  'license',
  'keywords',
  'repository',
  'homepage',
  'bugs',
  'main',
  'types',
  'bin',
  'exports',
  'files',
  'sideEffects',
  'engines',
  'publishConfig',
  'scripts',
];

/** Fields in a stable order, so that the written files diff cleanly. */
function reorder(manifest: Manifest): Manifest {
  const keys = [...ORDER.filter((k) => k in manifest), ...Object.keys(manifest).filter((k) => !ORDER.includes(k))];
  return Object.fromEntries(keys.map((k) => [k, manifest[k]])) as Manifest;
}

export function serialise(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Legal files every tarball carries: copies of the repository's own. */
export const LEGAL_FILES = ['LICENSE', 'NOTICE'];

/** What differs from what it should be: `name: package.json` or `name: LICENSE` ... */
export function manifestDrift(): string[] {
  const drift: string[] = [];
  for (const p of publishablePackages()) {
    if (fs.readFileSync(p.manifestPath, 'utf8') !== serialise(normalise(p.manifest, path.basename(p.dir)))) {
      drift.push(`${p.manifest.name}: package.json`);
    }
    for (const file of LEGAL_FILES) {
      const copy = path.join(p.dir, file);
      if (!fs.existsSync(copy) || !fs.readFileSync(copy).equals(fs.readFileSync(path.join(ROOT, file)))) {
        drift.push(`${p.manifest.name}: ${file}`);
      }
    }
  }
  return drift;
}

function main(): void {
  if (process.argv.includes('--check')) {
    const drift = manifestDrift();
    if (drift.length > 0) {
      console.error(`out of date: ${drift.join(', ')}; run tsx tools/release/manifests.ts`);
      process.exit(1);
    }
    return;
  }
  for (const p of publishablePackages()) {
    fs.writeFileSync(p.manifestPath, serialise(normalise(p.manifest, path.basename(p.dir))));
    for (const file of LEGAL_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(p.dir, file));
  }
}

if (require.main === module) main();
