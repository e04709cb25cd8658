/**
 * Builds the BLAS kernel of LinearSearch (blas-kernel.c, beside this file)
 * into @tfsim/search's native/tfsim-blas.node, linked against the system OpenBLAS
 * (Debian: libopenblas-dev). Optional: when it is missing or fails to load,
 * LinearSearch runs its WebAssembly kernel.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The C source ships in src/ (the package's files); the same path from src/ and dist/.
const SOURCE = path.join(__dirname, '..', 'src', 'blas-kernel.c');

/** A directory holding node_api.h: next to this node, the system's, or node-gyp's download. */
function nodeHeaders(): string | undefined {
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

function cblasHeaders(): string | undefined {
  const candidates = [
    '/usr/include/x86_64-linux-gnu',
    '/usr/include/aarch64-linux-gnu',
    '/usr/include/openblas',
    '/usr/include',
    '/usr/local/include',
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'cblas.h')));
}

/** The SHA-256 of blas-kernel.c: compiled into the addon, so that an addon built from an older source is rebuilt. */
function sourceHash(): string {
  return createHash('sha256').update(fs.readFileSync(SOURCE)).digest('hex');
}

/** Whether the addon loads in a fresh process, was built from today's source, and ranks one tiny case right; '' when it does. */
export function blasLoads(addon: string): string {
  const code = `
    const a = require(${JSON.stringify(addon)});
    if (a.source !== ${JSON.stringify(sourceHash())}) throw new Error('built from another version of blas-kernel.c');
    const v = new Float32Array(1), k = new Int32Array(1);
    a.search(new Float32Array([0, 0, 3, 4]), new Float64Array([0, 25]), new Float64Array([0, 7]), 2, 2,
      new Float32Array([3, 4]), 1, 2, 1, v, k);
    if (k[0] !== 1 || v[0] !== 0) throw new Error('wrong result ' + k[0] + ' ' + v[0]);`;
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60_000 });
  if (result.status === 0) return '';
  return (result.stderr || result.stdout || `exit ${result.status}`).split('\n').find((l) => /Error/.test(l)) ?? 'does not load';
}

/** Builds the addon unless it loads already (or `force`); returns true when it loads. */
export function setupBlas(force: boolean, log: (message: string) => void, addon: string): boolean {
  if (!force && fs.existsSync(addon) && blasLoads(addon) === '') {
    log('blas: loads; nothing to do');
    return true;
  }
  const include = nodeHeaders();
  const cblas = cblasHeaders();
  if (!include || !cblas) {
    log(
      `blas: missing ${include ? '' : 'node_api.h (node headers) '}${cblas ? '' : 'cblas.h (apt-get install libopenblas-dev)'}; skipping`,
    );
    return false;
  }
  fs.mkdirSync(path.dirname(addon), { recursive: true });
  const args = [
    '-O3',
    '-fPIC',
    '-shared',
    '-std=gnu11',
    `-DTFSIM_BLAS_SOURCE="${sourceHash()}"`,
    `-I${include}`,
    `-I${cblas}`,
    SOURCE,
    '-o',
    addon,
  ];
  args.push('-lopenblas', '-lpthread', '-lm');
  log(`$ cc ${args.join(' ')}`);
  const result = spawnSync('cc', args, { stdio: 'inherit', timeout: 300_000 });
  if (result.status !== 0) {
    log('blas: compile failed (needs a C compiler and libopenblas-dev)');
    fs.rmSync(addon, { force: true });
    return false;
  }
  const why = blasLoads(addon);
  if (why !== '') {
    log(`blas: built, but it does not load: ${why}`);
    fs.rmSync(addon, { force: true });
    return false;
  }
  log(`blas: ready (${addon})`);
  return true;
}
