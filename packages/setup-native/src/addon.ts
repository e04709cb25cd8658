/**
 * What the small C addons of @tfsim/search share (blas-kernel.c, hnsw-kernel.c):
 * found node headers, the source's hash compiled in (so an addon built from an
 * older source is rebuilt), one `cc` call, and a check in a fresh process that
 * the result loads and answers one tiny case right. Each addon is optional.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A C source of this package: the same path from src/ and dist/ (the sources ship in src/). */
export function sourceFile(name: string): string {
  return path.join(__dirname, '..', 'src', name);
}

/** A directory holding node_api.h: next to this node, the system's, or node-gyp's download. */
export function nodeHeaders(): string | undefined {
  const version = process.versions.node;
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    path.join(os.homedir(), '.cache', 'node-gyp', version, 'include', 'node'),
    path.join(os.homedir(), '.node-gyp', version, 'include', 'node'),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

/**
 * The SHA-256 of a source file followed by the local headers it includes
 * (`#include "x.h"`, beside it, in the order included): compiled into its
 * addon as `source`, so a change to a shared header rebuilds the addon too.
 */
export function sourceHash(file: string): string {
  const hash = createHash('sha256');
  const text = fs.readFileSync(file);
  hash.update(text);
  for (const [, header] of text.toString('utf8').matchAll(/^\s*#\s*include\s*"([^"]+)"/gm)) {
    hash.update(fs.readFileSync(path.join(path.dirname(file), header!)));
  }
  return hash.digest('hex');
}

/**
 * Whether `addon` loads in a fresh process, exports the hash of `source`, and
 * passes `probe` (JavaScript run with the addon as `a`, throwing when wrong);
 * '' when it does, else the first error line.
 */
export function addonLoads(addon: string, source: string, probe: string): string {
  const code = `
    const a = require(${JSON.stringify(addon)});
    if (a.source !== ${JSON.stringify(sourceHash(source))}) throw new Error('built from another version of ${path.basename(source)}');
    ${probe}`;
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60_000 });
  if (result.status === 0) return '';
  // The thrown error's own line ("Error: ..."), not node's echo of the source line that threw it.
  const lines = (result.stderr || result.stdout || `exit ${result.status}`).split('\n');
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find((l) => /Error/.test(l)) ?? 'does not load';
}

export interface AddonBuild {
  /** The piece's name in the log: `blas`, `hnsw`. */
  name: string;
  source: string;
  addon: string;
  /** The macro that carries the source hash, e.g. TFSIM_BLAS_SOURCE. */
  hashMacro: string;
  /** Extra include folders, found already. */
  includes?: string[];
  libs: string[];
  probe: string;
  /** What to install when the compile fails. */
  needs: string;
}

/** Builds `b.addon` unless it loads already (or `force`); returns true when it loads. */
export function buildAddon(b: AddonBuild, force: boolean, log: (message: string) => void): boolean {
  if (!force && fs.existsSync(b.addon) && addonLoads(b.addon, b.source, b.probe) === '') {
    log(`${b.name}: loads; nothing to do`);
    return true;
  }
  const include = nodeHeaders();
  if (!include) {
    log(`${b.name}: missing node_api.h (node headers); skipping`);
    return false;
  }
  fs.mkdirSync(path.dirname(b.addon), { recursive: true });
  // No -march: the C code picks its SIMD kernels at run time, so the addon runs on any x86-64.
  const args = ['-O3', '-fPIC', '-shared', '-std=gnu11', `-D${b.hashMacro}="${sourceHash(b.source)}"`, `-I${include}`];
  for (const dir of b.includes ?? []) args.push(`-I${dir}`);
  args.push(b.source, '-o', b.addon, ...b.libs);
  log(`$ cc ${args.join(' ')}`);
  const result = spawnSync('cc', args, { stdio: 'inherit', timeout: 300_000 });
  if (result.status !== 0) {
    log(`${b.name}: compile failed (needs ${b.needs})`);
    fs.rmSync(b.addon, { force: true });
    return false;
  }
  const why = addonLoads(b.addon, b.source, b.probe);
  if (why !== '') {
    log(`${b.name}: built, but it does not load: ${why}`);
    fs.rmSync(b.addon, { force: true });
    return false;
  }
  log(`${b.name}: ready (${b.addon})`);
  return true;
}
