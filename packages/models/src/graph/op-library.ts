/**
 * Our TensorFlow op library (packages/setup-native/src/tf-ops.cc, built by
 * tfsim-setup-native into this package's native/tfsim-tf-ops.node): loading
 * it into the process registers its ops with the TensorFlow that tfjs-node
 * runs (static registration into the process-wide registries), before a
 * graph that uses them is loaded. Optional: without it graph steps run
 * tfjs' own kernels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { type NativeBackend } from './native';

export const ADAM_OP = 'TfsimAdamUpdate';

/** Where tfsim-setup-native puts the library (TFSIM_TF_OPS overrides). */
export function opLibraryPath(): string {
  return process.env.TFSIM_TF_OPS ?? path.join(__dirname, '..', '..', 'native', 'tfsim-tf-ops.node');
}

/**
 * tfjs' Adam update of one element in JavaScript: each operation rounded to
 * float32 (a double result of float32 operands rounds to the float32 result:
 * 53 bits hold twice 24 and two more), the order of tfjs' kernels. The
 * library's answer is checked against it when it loads; tests use it too.
 */
export function adamElement(
  w: number,
  m: number,
  v: number,
  g: number,
  s: { beta1: number; beta2: number; epsilon: number; learningRate: number; beta1Power: number; beta2Power: number },
): [number, number, number] {
  const f = Math.fround;
  const mNew = f(f(f(m) * f(s.beta1)) + f(f(g) * f(1 - s.beta1)));
  const vNew = f(f(f(v) * f(s.beta2)) + f(f(f(g) * f(g)) * f(1 - s.beta2)));
  const mHat = f(mNew / f(1 - f(s.beta1Power)));
  const vHat = f(vNew / f(1 - f(s.beta2Power)));
  const step = f(f(mHat / f(f(Math.sqrt(vHat)) + f(s.epsilon))) * f(-s.learningRate));
  return [f(step + f(w)), mNew, vNew];
}

/** The op's inputs in its order (var, m, v, grad, then the scalars as the traced step forms them). */
export function adamOpInputs(
  w: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  s: { beta1: number; beta2: number; epsilon: number; learningRate: number; beta1Power: number; beta2Power: number },
): tf.Tensor[] {
  return [
    w,
    m,
    v,
    g,
    tf.scalar(s.beta1),
    tf.scalar(1 - s.beta1),
    tf.scalar(s.beta2),
    tf.scalar(1 - s.beta2),
    tf.sub(1, tf.scalar(s.beta1Power)),
    tf.sub(1, tf.scalar(s.beta2Power)),
    tf.scalar(s.epsilon),
    tf.scalar(-s.learningRate),
  ];
}

/** Runs the op eagerly (tfjs-node's binding): new var, m and v. */
export function runAdamOp(backend: NativeBackend, inputs: tf.Tensor[]): tf.Tensor[] {
  const metas = backend.binding.executeOp(ADAM_OP, [], backend.getInputTensorIds(inputs), 3);
  return metas.map((meta) => backend.createOutputTensor(meta));
}

let loaded: { file: string; reason: string | null } | undefined;

/**
 * Loads the library (once per process) and checks that TensorFlow runs its
 * Adam op right on one case; returns null when it does, else why not.
 */
export function loadOpLibrary(backend: NativeBackend): string | null {
  const file = opLibraryPath();
  if (loaded?.file === file && loaded.reason === null) return null;
  const reason = tryLoad(backend, file);
  loaded = { file, reason };
  return reason;
}

/**
 * The TensorFlow framework library that setup-native built `file` against
 * (its `<file>.json`), if it recorded one.
 */
function builtAgainst(file: string): string | undefined {
  try {
    const { framework } = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { framework?: unknown };
    return typeof framework === 'string' ? framework : undefined;
  } catch {
    return undefined;
  }
}

/** The libtensorflow_framework files mapped into this process, from /proc/self/maps text (Linux; none elsewhere). */
export function mappedFrameworks(maps: string): string[] {
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    const file = line.slice(line.indexOf('/'));
    if (line.includes('/') && file.endsWith('/libtensorflow_framework.so.2')) files.add(file);
  }
  return [...files];
}

function processMaps(): string {
  try {
    return fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Why the library must not be loaded into this process, or null: it was built
 * against another TensorFlow than the one running (its kernels would register
 * against another ABI, which can crash the process instead of failing). Unknown
 * on either side (no record, no /proc): no objection.
 */
export function frameworkMismatch(builtFor: string | undefined, running: readonly string[]): string | null {
  if (builtFor === undefined || running.length === 0 || running.includes(builtFor)) return null;
  return `the TensorFlow op library was built against ${builtFor}, but this process runs ${running.join(', ')}; run tfsim-setup-native again`;
}

function tryLoad(backend: NativeBackend, file: string): string | null {
  if (!fs.existsSync(file)) return `the TensorFlow op library is not built (${file}; run tfsim-setup-native)`;
  const mismatch = frameworkMismatch(builtAgainst(file), mappedFrameworks(processMaps()));
  if (mismatch !== null) return mismatch;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const library = require(file) as { ops?: unknown };
    if (!Array.isArray(library.ops) || !library.ops.includes(ADAM_OP)) return `${file} has no ${ADAM_OP} op`;
  } catch (err) {
    return `the TensorFlow op library does not load: ${String((err as Error).message).split('\n')[0]}`;
  }
  const s = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.01, beta1Power: 0.9 ** 3, beta2Power: 0.999 ** 3 };
  const element = [1.5, 0.25, 0.0625, -0.3] as const;
  try {
    const got = tf.tidy(() => {
      const [w, m, v, g] = element.map((x) => tf.tensor1d([x]));
      return runAdamOp(backend, adamOpInputs(w!, m!, v!, g!, s)).map((t) => t.dataSync()[0]!);
    });
    const want = adamElement(...element, s);
    if (got.some((x, i) => x !== want[i])) return `${ADAM_OP} computes [${got.join(', ')}], tfjs' Adam [${want.join(', ')}]`;
  } catch (err) {
    return `TensorFlow does not run ${ADAM_OP}: ${String((err as Error).message).split('\n')[0]}`;
  }
  return null;
}
