/**
 * The registry test: every package published to a real registry and installed
 * as users install it, in scratch projects outside this repository.
 *
 * Packs every package and checks each tarball (tools/release/pack.ts), starts
 * verdaccio on 127.0.0.1 (its own storage in a temporary folder; what
 * is not @tfsim comes through it from the registry npm is configured with),
 * publishes every package with `pnpm -r publish`, then:
 *   (a) indexer: `npm install` of the indexer README's install line: no
 *       TensorFlow.js and no level/ioredis in the tree, the README example
 *       typechecks with `skipLibCheck: false` and prints the README's output;
 *   (b) models: `pnpm add` of the models README's install line (with
 *       tfjs-node), `tfsim-setup-native` gives tfjs-node its binding, and the
 *       README example prints the README's output on the native backend;
 *   (c) similarity: `npm install` of the similarity README's install line;
 *       the README example prints its output, and a plain `.mjs` and a plain
 *       `.cjs` script print the same, with one instance of each module.
 *
 *   tsx tools/release/registry-test.ts [--only a,b,c] [--keep] [--xfail TEXT ...]
 *
 * Prints one line per check and `N passed, N failed`; exits non-zero on a
 * failure (`--results FILE` also writes the counts as JSON). `--xfail TEXT` marks the checks whose name contains TEXT as known
 * to fail (XFAIL, counted as passed); one that then passes is an XPASS and
 * fails the run, so that the marker is removed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { ROOT } from './manifests';
import { packAll } from './pack';
import { installLine, readmeExample } from './readme-install';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const VERDACCIO = path.join(ROOT, 'tools', 'node_modules', '.bin', 'verdaccio');

interface Registry {
  url: string;
  env: NodeJS.ProcessEnv;
  stop: () => void;
}

let passed = 0;
let failed = 0;
/** Checks known to fail until other work lands (--xfail TEXT, matched against the check's name). */
let expectedFailures: string[] = [];

function check(name: string, ok: boolean, detail = ''): void {
  const expected = expectedFailures.some((x) => name.includes(x));
  // An expected failure that passes fails the run, so that its --xfail is removed.
  const status = ok ? (expected ? 'XPASS' : 'ok  ') : expected ? 'XFAIL' : 'FAIL';
  if (status === 'ok  ' || status === 'XFAIL') passed += 1;
  else failed += 1;
  console.log(`${status} ${name}${!ok && detail ? `\n     ${detail.split('\n').join('\n     ')}` : ''}`);
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 900_000): string {
  const started = Date.now();
  try {
    return execFileSync(cmd, args, {
      cwd,
      env,
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed after ${Math.round((Date.now() - started) / 1000)} s:\n${(e.stderr || e.stdout || e.message).slice(-3000)}`,
    );
  }
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** Starts verdaccio on a free loopback port with a fresh storage and one user; returns npm/pnpm settings for it. */
async function startRegistry(work: string): Promise<Registry> {
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}/`;
  const config = path.join(work, 'verdaccio.yaml');
  fs.writeFileSync(
    config,
    [
      `storage: ${path.join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(work, 'htpasswd')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      '    timeout: 120s',
      'packages:',
      // Ours come only from what this run published, never from upstream.
      "  '@tfsim/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'max_body_size: 200mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(VERDACCIO, ['--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitFor(`${url}-/ping`, child, 60_000);
  } catch (err) {
    child.kill();
    throw new Error(`${(err as Error).message}\n${output.slice(-2000)}`);
  }
  const response = await fetch(`${url}-/user/org.couchdb.user:tfsim`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tfsim', password: 'tfsim-registry-test' }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio gave no token (HTTP ${response.status})`);
  const npmrc = path.join(work, 'npmrc');
  fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  // Every client of this run talks to verdaccio only, with caches of its own
  // (so nothing published by an earlier run is taken from a cache).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_userconfig: npmrc,
    npm_config_registry: url,
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    TFSIM_PROGRESS: '0',
    TF_CPP_MIN_LOG_LEVEL: '3',
    // As on a CI machine, where pnpm install defaults to a frozen lockfile: a
    // README line that only works on a developer's machine fails here too.
    CI: 'true',
  };
  delete env.NODE_PATH;
  for (const k of Object.keys(env)) if (k.startsWith('npm_package_') || k === 'npm_config_workspace_dir') delete env[k];
  return { url, env, stop: () => child.kill() };
}

/** A scratch project outside the repository. */
function scratch(work: string, name: string, type: 'module' | 'commonjs'): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `scratch-${name}`, version: '0.0.0', private: true, type }, null, 2),
  );
  return dir;
}

/** The README's install line, as npm or pnpm runs it: its packages, from the registry. */
function install(readme: string, manager: 'npm' | 'pnpm', dir: string, env: NodeJS.ProcessEnv): string[] {
  const { before, packages } = installLine(readme);
  for (const line of before) {
    const [cmd, ...args] = line.split(/\s+/);
    sh(cmd!, args, dir, env);
  }
  const args = manager === 'npm' ? ['install', '--no-package-lock', ...packages] : ['add', ...packages];
  sh(manager, args, dir, env);
  return packages;
}

function scenarioIndexer(work: string, registry: Registry): void {
  const readme = path.join(ROOT, 'packages', 'indexer', 'README.md');
  const dir = scratch(work, 'indexer', 'module');
  const packages = install(readme, 'npm', dir, registry.env);
  check(`(a) npm install ${packages.join(' ')}`, true);
  sh('npm', ['install', '--no-package-lock', '--no-save', '@types/node@^20.19.0'], dir, registry.env);
  const present = (p: string) => fs.existsSync(path.join(dir, 'node_modules', p));
  check(
    '(a) no TensorFlow.js in the tree',
    !present('@tensorflow'),
    present('@tensorflow') ? fs.readdirSync(path.join(dir, 'node_modules', '@tensorflow')).join(', ') : '',
  );
  check('(a) no level or ioredis in the tree (optional peers of @tfsim/stores)', !present('level') && !present('ioredis'));
  const example = readmeExample(readme);
  fs.writeFileSync(path.join(dir, 'example.mts'), example.code);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
      files: ['example.mts'],
    }),
  );
  try {
    sh(TSC, ['-p', 'tsconfig.json'], dir, registry.env);
    check('(a) the README example typechecks with skipLibCheck: false', true);
  } catch (err) {
    check('(a) the README example typechecks with skipLibCheck: false', false, (err as Error).message);
  }
  const out = sh(TSX, ['example.mts'], dir, registry.env);
  check('(a) the README example prints the README output', out.trim() === example.output.trim(), out);
}

function scenarioModels(work: string, registry: Registry): void {
  const readme = path.join(ROOT, 'packages', 'models', 'README.md');
  const dir = scratch(work, 'models', 'commonjs');
  const packages = install(readme, 'pnpm', dir, registry.env);
  check(`(b) pnpm add ${packages.join(' ')}`, packages.includes('@tensorflow/tfjs-node'), 'the install line has no @tensorflow/tfjs-node');
  const setup = installLine(readme).after;
  // The wheel this repository's setup already fetched, so that the test does not download it again.
  const cache = ['--cache', path.join(ROOT, '.cache', 'native')];
  for (const line of setup) {
    const [cmd, ...args] = line.split(/\s+/);
    sh(cmd!, [...args, ...(args.includes('tfsim-setup-native') ? ['--require', ...cache] : [])], dir, registry.env);
  }
  check(`(b) ${setup.join(' && ')}`, true);
  const backend = sh(
    process.execPath,
    ['-e', "const tf = require('@tensorflow/tfjs-node'); console.log(tf.getBackend())"],
    dir,
    registry.env,
  );
  check('(b) tfjs-node loads its native binding', backend.trim() === 'tensorflow', backend);
  const cores = sh(process.execPath, ['-e', "console.log(require.resolve('@tensorflow/tfjs-core'))"], dir, registry.env);
  const copies = fs.readdirSync(path.join(dir, 'node_modules', '.pnpm')).filter((d) => d.startsWith('@tensorflow+tfjs-core@'));
  check('(b) one tfjs-core in the tree', copies.length === 1, `${copies.join(', ')} (${cores.trim()})`);
  const example = readmeExample(readme);
  fs.writeFileSync(path.join(dir, 'example.ts'), example.code);
  const out = sh(TSX, ['example.ts'], dir, registry.env);
  check('(b) the README example prints the README output', out.trim() === example.output.trim(), out);
}

const MODULE_CHECK = (load: string) => `${load}
const d = tfsim.distances.getDistance('cosine');
console.log(Object.keys(tfsim.NAMESPACES).length, 'namespaces;', d.name, 'distance;', typeof tfsim.indexer.Indexer);
`;

function scenarioSimilarity(work: string, registry: Registry): void {
  const readme = path.join(ROOT, 'packages', 'similarity', 'README.md');
  const dir = scratch(work, 'similarity', 'commonjs');
  const packages = install(readme, 'npm', dir, registry.env);
  check(`(c) npm install ${packages.join(' ')}`, true);
  const example = readmeExample(readme);
  fs.writeFileSync(path.join(dir, 'example.mts'), example.code);
  const out = sh(TSX, ['example.mts'], dir, registry.env);
  check('(c) the README example prints the README output', out.trim() === example.output.trim(), out);
  fs.writeFileSync(
    path.join(dir, 'esm.mjs'),
    MODULE_CHECK("import * as tfsim from '@tfsim/similarity';\nimport { createRequire } from 'node:module';") +
      "const cjs = createRequire(import.meta.url)('@tfsim/similarity');\n" +
      "console.log('same classes through import and require:', tfsim.losses.TripletLoss === cjs.losses.TripletLoss && tfsim.utils.ValueError === cjs.utils.ValueError);\n",
  );
  fs.writeFileSync(path.join(dir, 'cjs.cjs'), MODULE_CHECK("const tfsim = require('@tfsim/similarity');"));
  const esm = sh(process.execPath, ['esm.mjs'], dir, registry.env).trim().split('\n');
  const cjs = sh(process.execPath, ['cjs.cjs'], dir, registry.env).trim().split('\n');
  check('(c) ESM (.mjs) import works', esm[0] === '17 namespaces; cosine distance; function', esm.join('\n'));
  check('(c) CommonJS (.cjs) require works and agrees', cjs[0] === esm[0], cjs.join('\n'));
  check('(c) one instance of each module under import and require', esm[1] === 'same classes through import and require: true', esm[1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      xfail: { type: 'string', multiple: true },
      results: { type: 'string' },
    },
  });
  expectedFailures = values.xfail ?? [];
  const only = new Set((values.only ?? 'a,b,c').split(','));
  const started = Date.now();
  // What is published is what the build wrote (turbo: only packages changed since the last build).
  sh('pnpm', ['build'], ROOT, process.env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-registry-'));
  console.log(`registry test in ${work}`);
  // Each tarball as publish makes it: legal files, a clean manifest, every named file packed.
  for (const packed of packAll(path.join(work, 'tarballs'))) {
    check(`pnpm pack ${packed.name}`, packed.problems.length === 0, packed.problems.join('\n'));
  }
  const registry = await startRegistry(work);
  try {
    sh('pnpm', ['-r', '--filter', './packages/*', 'publish', '--no-git-checks', '--registry', registry.url], ROOT, registry.env);
    const published = sh('npm', ['search', '@tfsim', '--json', '--registry', registry.url], work, registry.env);
    console.log(
      `published ${(JSON.parse(published) as unknown[]).length} packages to ${registry.url} (${Math.round((Date.now() - started) / 1000)} s)`,
    );
    const scenarios: [string, () => void][] = [
      ['a', () => scenarioIndexer(work, registry)],
      ['b', () => scenarioModels(work, registry)],
      ['c', () => scenarioSimilarity(work, registry)],
    ];
    for (const [key, run] of scenarios) {
      if (!only.has(key)) continue;
      const t = Date.now();
      try {
        run();
      } catch (err) {
        check(`(${key}) ran to the end`, false, (err as Error).message);
      }
      console.log(`(${key}) ${Math.round((Date.now() - t) / 1000)} s`);
    }
  } finally {
    registry.stop();
    if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`registry test: ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  // For CI's summary, beside the packages' test-results.json.
  if (values.results) fs.writeFileSync(values.results, JSON.stringify({ passed, failed, skipped: 0 }));
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) void main();
