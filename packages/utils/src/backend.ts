/**
 * Compute-backend selection for TensorFlow.js. Every TensorFlow.js package is
 * loaded lazily from here, so that the index side of @tfsim (which never calls
 * these functions) loads without TensorFlow.js installed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type * as TfCoreModule from '@tensorflow/tfjs-core';

import { BackendError } from './errors';

type TfCore = typeof TfCoreModule;

/** User-facing backend names, fastest first. */
export const BACKEND_PREFERENCE = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

const ALIASES: Record<string, BackendName> = {
  'tfjs-node-gpu': 'tfjs-node-gpu',
  'node-gpu': 'tfjs-node-gpu',
  gpu: 'tfjs-node-gpu',
  'tfjs-node': 'tfjs-node',
  node: 'tfjs-node',
  native: 'tfjs-node',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

interface Candidate {
  name: BackendName;
  /** The npm package that provides it. */
  packageName: string;
  /** The name TensorFlow.js registers it under. */
  tfBackend: string;
  /** Loads the package; returns notes on settings applied. */
  load(): string[] | void;
}

/** Requires a package relative to this module; marked for the graph check. */
function requireLazily(id: string): unknown {
  // tfsim-graph: lazy-tfjs
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id);
}

let tfCore: TfCore | undefined;

/** @tensorflow/tfjs-core, loaded on first use; a clear error when it is not installed. */
export function loadTfjsCore(): TfCore {
  if (!tfCore) {
    try {
      tfCore = requireLazily('@tensorflow/tfjs-core') as TfCore;
    } catch (err) {
      throw new BackendError(
        'this function needs TensorFlow.js: install @tensorflow/tfjs-core (and a backend, e.g. @tensorflow/tfjs-node)',
        { cause: err },
      );
    }
  }
  return tfCore;
}

/**
 * Gradients of the core ops are registered by the `@tensorflow/tfjs` union
 * package (which tfjs-node loads), not by tfjs-core alone. Training needs
 * them, so make sure they are there whichever backend is chosen.
 */
export function ensureGradientsRegistered(): void {
  const tf = loadTfjsCore();
  if (tf.getGradient('Sum') !== undefined) return;
  try {
    requireLazily('@tensorflow/tfjs');
  } catch (err) {
    throw new BackendError('gradients of TensorFlow.js ops are not registered: install @tensorflow/tfjs (or @tensorflow/tfjs-node)', {
      cause: err,
    });
  }
}

/** What `pnpm setup:native` records next to a native addon it checked (@tfsim/setup-native). */
export interface NativeSettings {
  /**
   * false when TensorFlow's oneDNN kernels crashed this machine's probe (seen:
   * SIGFPE in large convolutions on virtual machines that hide the CPU cache
   * topology); the backend then runs with TF_ENABLE_ONEDNN_OPTS=0.
   */
  oneDNN?: boolean;
  reason?: string;
}

export const NATIVE_SETTINGS_FILE = 'tfsim-native.json';

/**
 * The folder of the package's built native addon (`lib/napi-v*`). Throws
 * unless the addon file exists: requiring a native tfjs package whose addon is
 * missing registers its kernels before failing, so trying the next one would
 * print a warning per kernel ("already registered"); checking the file first
 * keeps the fall-through quiet.
 */
function nativeAddonDir(packageName: string): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    throw new Error(`${packageName} is not installed`);
  }
  const lib = path.join(dir, 'lib');
  const found = fs.existsSync(lib)
    ? fs.readdirSync(lib).find((d) => d.startsWith('napi-v') && fs.existsSync(path.join(lib, d, 'tfjs_binding.node')))
    : undefined;
  if (!found) {
    throw new Error(`the native addon of ${packageName} is not built (no ${path.join(lib, 'napi-v*', 'tfjs_binding.node')})`);
  }
  return path.join(lib, found);
}

export function readNativeSettings(addonDir: string): NativeSettings {
  const file = path.join(addonDir, NATIVE_SETTINGS_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as NativeSettings;
  } catch {
    return {};
  }
}

/**
 * Prepares the process environment for a native TensorFlow package, before it
 * is required (TensorFlow reads these variables when it loads): quiet C++
 * logs, and oneDNN off where `pnpm setup:native` found it crashing, unless
 * the user set TF_ENABLE_ONEDNN_OPTS. Returns notes for the backend report.
 * Throws when the package's native addon is not built.
 */
export function prepareNativeBackend(packageName = '@tensorflow/tfjs-node'): string[] {
  const settings = readNativeSettings(nativeAddonDir(packageName));
  // TensorFlow's C++ logging (CPU feature notices) is noise for users.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  if (settings.oneDNN === false && process.env.TF_ENABLE_ONEDNN_OPTS === undefined) {
    process.env.TF_ENABLE_ONEDNN_OPTS = '0';
    return [`oneDNN off (TF_ENABLE_ONEDNN_OPTS=0): ${settings.reason ?? 'it crashed the setup probe on this machine'}`];
  }
  return [];
}

const CANDIDATES: Record<BackendName, Candidate> = {
  'tfjs-node-gpu': {
    name: 'tfjs-node-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfBackend: 'tensorflow',
    load: () => {
      const notes = prepareNativeBackend('@tensorflow/tfjs-node-gpu');
      requireLazily('@tensorflow/tfjs-node-gpu');
      return notes;
    },
  },
  'tfjs-node': {
    name: 'tfjs-node',
    packageName: '@tensorflow/tfjs-node',
    tfBackend: 'tensorflow',
    load: () => {
      const notes = prepareNativeBackend('@tensorflow/tfjs-node');
      requireLazily('@tensorflow/tfjs-node');
      return notes;
    },
  },
  wasm: {
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfBackend: 'wasm',
    load: () => {
      const wasm = requireLazily('@tensorflow/tfjs-backend-wasm') as {
        setWasmPaths(prefix: string): void;
      };
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
    },
  },
  cpu: {
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfBackend: 'cpu',
    load: () => {
      requireLazily('@tensorflow/tfjs-backend-cpu');
    },
  },
};

export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

export interface BackendReport {
  /** The active backend. */
  name: BackendName;
  /** Its TensorFlow.js name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  packageName: string;
  /** True when chosen by argument or TFSIM_BACKEND rather than by preference. */
  forced: boolean;
  /** The faster backends that were tried first and why each was passed over. */
  skipped: SkippedBackend[];
  /** Settings applied to the backend, e.g. oneDNN turned off where it crashes. */
  notes: string[];
  /** One line for logs: "backend tfjs-node (tensorflow); skipped tfjs-node-gpu: ..." */
  summary: string;
}

export interface SetupBackendOptions {
  /** Force one backend by name or alias; overrides TFSIM_BACKEND. */
  backend?: string;
  /** Receives the one-line summary. */
  log?: (line: string) => void;
}

export function resolveBackendName(name: string): BackendName {
  const resolved = ALIASES[name.trim().toLowerCase()];
  if (!resolved) {
    throw new BackendError(`unknown backend "${name}"; known backends: ${BACKEND_PREFERENCE.join(', ')}`);
  }
  return resolved;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}

async function activate(candidate: Candidate): Promise<string[]> {
  const notes = candidate.load() ?? [];
  const tf = loadTfjsCore();
  if (!tf.findBackend(candidate.tfBackend) && !tf.engine().registryFactory[candidate.tfBackend]) {
    throw new Error(`${candidate.packageName} loaded but did not register the "${candidate.tfBackend}" backend`);
  }
  ensureGradientsRegistered();
  const ok = await tf.setBackend(candidate.tfBackend);
  if (!ok) throw new Error(`TensorFlow.js could not initialise the "${candidate.tfBackend}" backend`);
  await tf.ready();
  // A backend whose library loads but cannot run kernels is caught here.
  const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 3) throw new Error(`the "${candidate.tfBackend}" backend computed 1 + 2 = ${value}`);
  return notes;
}

/**
 * Sets up the fastest backend that actually loads, in the order
 * tfjs-node-gpu, tfjs-node, wasm, cpu. A package that is installed but whose
 * native binary fails to load is skipped, with the reason, and the next one is
 * tried. `options.backend` or the environment variable `TFSIM_BACKEND` forces
 * one; forcing one that cannot load is an error.
 */
export async function setupBackend(options: SetupBackendOptions = {}): Promise<BackendReport> {
  const requested = options.backend ?? process.env.TFSIM_BACKEND;
  const forced = requested !== undefined && requested.trim() !== '';
  const order: BackendName[] = forced ? [resolveBackendName(requested)] : [...BACKEND_PREFERENCE];
  const skipped: SkippedBackend[] = [];
  for (const name of order) {
    const candidate = CANDIDATES[name];
    let notes: string[];
    try {
      notes = await activate(candidate);
    } catch (err) {
      if (forced) {
        const source = options.backend !== undefined ? 'requested' : 'requested by TFSIM_BACKEND';
        throw new BackendError(`backend "${name}" was ${source} but cannot be used: ${firstLine(err)}`, {
          cause: err,
        });
      }
      skipped.push({ name, reason: firstLine(err) });
      continue;
    }
    const why = forced ? ' (forced)' : '';
    const summary =
      `backend ${name} (${candidate.tfBackend})${why}` +
      skipped.map((s) => `; skipped ${s.name}: ${s.reason}`).join('') +
      notes.map((n) => `; ${n}`).join('');
    const report: BackendReport = {
      name,
      tfBackend: candidate.tfBackend,
      packageName: candidate.packageName,
      forced,
      skipped,
      notes,
      summary,
    };
    options.log?.(summary);
    return report;
  }
  throw new BackendError(`no TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** Whether `name` loads and runs here, without changing the active backend for good. */
export async function isBackendAvailable(name: string): Promise<boolean> {
  const candidate = CANDIDATES[resolveBackendName(name)];
  let previous: string | undefined;
  try {
    previous = loadTfjsCore().getBackend();
  } catch {
    return false;
  }
  try {
    await activate(candidate);
    return true;
  } catch {
    return false;
  } finally {
    if (previous) await loadTfjsCore().setBackend(previous);
  }
}
