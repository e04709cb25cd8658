/**
 * Packs every publishable package as `pnpm publish` would (after a build) and
 * checks each tarball as a user would receive it:
 * - LICENSE, NOTICE, README.md and package.json are in it;
 * - the manifest has no devDependencies or scripts, and no `workspace:` or
 *   `catalog:` range left (pnpm resolves them at pack time);
 * - TensorFlow.js peers are caret ranges;
 * - every file that `main`, `types`, `bin` and each `exports` condition name
 *   (but the repository's `@tfsim/source`) is in the tarball.
 *
 *   tsx tools/release/pack.ts [--out DIR]    (build first: pnpm build)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { type Manifest, publishablePackages } from './manifests';

export interface PackedPackage {
  name: string;
  tarball: string;
  problems: string[];
}

/** The files an `exports` value names, without the source condition. */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([condition, v]) => (condition === '@tfsim/source' ? [] : exportTargets(v)));
}

/** What is wrong with a packed manifest and its file list (empty when nothing is). */
export function tarballProblems(manifest: Manifest, files: Set<string>): string[] {
  const problems: string[] = [];
  for (const required of ['package.json', 'README.md', 'LICENSE', 'NOTICE']) {
    if (!files.has(required)) problems.push(`${required} missing`);
  }
  if (manifest.devDependencies) problems.push('devDependencies left in');
  if (manifest.scripts) problems.push('scripts left in');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|catalog):/.test(range)) problems.push(`${field} ${name}: ${range} not resolved`);
    }
  }
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (name.startsWith('@tensorflow/') && !range.startsWith('^')) problems.push(`peer ${name}: ${range} is not a caret range`);
  }
  for (const field of ['repository', 'homepage', 'bugs', 'license']) {
    if (!manifest[field]) problems.push(`no ${field}`);
  }
  const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {}), ...exportTargets(manifest.exports)].filter(
    (t): t is string => typeof t === 'string',
  );
  for (const target of targets) {
    if (!files.has(path.posix.normalize(target))) problems.push(`${target} is named but not packed`);
  }
  return problems;
}

/** Packs every publishable package into `out`; returns each tarball with its problems. */
export function packAll(out: string): PackedPackage[] {
  fs.mkdirSync(out, { recursive: true });
  return publishablePackages().map(({ dir, manifest }) => {
    const printed = execFileSync('pnpm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
    const tarball = (JSON.parse(printed) as { filename: string }).filename;
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    const files = new Set(
      listing
        .split('\n')
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, '')),
    );
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Manifest;
    return { name: manifest.name, tarball, problems: tarballProblems(packed, files) };
  });
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-pack-'));
  const packed = packAll(out);
  let bad = 0;
  for (const p of packed) {
    console.log(`${p.problems.length === 0 ? 'ok  ' : 'FAIL'} ${p.name}  ${path.basename(p.tarball)}`);
    for (const problem of p.problems) console.log(`       ${problem}`);
    if (p.problems.length > 0) bad += 1;
  }
  console.log(`${packed.length} packed into ${out}, ${bad} with problems`);
  process.exit(bad > 0 ? 1 : 0);
}

if (require.main === module) main();
