/**
 * Run a tensor test suite on every TensorFlow.js backend available here, the
 * way TensorFlow.js tests its kernels: one `describe` per backend, each with
 * its own tolerance.
 */
// The union package registers the gradients of every core op (tfjs-core alone
// does not) and the cpu backend, as in a user's process.
import '@tensorflow/tfjs';

import * as tf from '@tensorflow/tfjs-core';
import { prepareNativeBackend } from '@tfsim/utils';

export type TestBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendContext {
  backend: TestBackend;
  /** Absolute tolerance suited to float32 on this backend. */
  tol: number;
}

/** Default float32 tolerance per backend (native TF may reorder sums under oneDNN). */
export const BACKEND_TOLERANCE: Record<TestBackend, number> = {
  cpu: 1e-5,
  wasm: 1e-5,
  tensorflow: 1e-5,
};

let available: TestBackend[] | undefined;
let nativeError: string | undefined;

function loadNative(): boolean {
  try {
    // Log level, and oneDNN off where setup:native found it crashing.
    prepareNativeBackend('@tensorflow/tfjs-node');
    // Loaded on demand: a missing or broken native binding must not fail the import.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return true;
  } catch (err) {
    nativeError = (err as Error).message.split('\n')[0];
    return false;
  }
}

function loadWasm(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
    const dist = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    wasm.setWasmPaths(dist.slice(0, dist.lastIndexOf('/') + 1));
    return true;
  } catch {
    return false;
  }
}

/**
 * Backends to test on: those that load here, restricted by
 * `TFSIM_TEST_BACKENDS=cpu,tensorflow` when set. With `TFSIM_REQUIRE_NATIVE=1`
 * (as in CI) a native backend that fails to load is an error, not a skip.
 */
export function testBackends(): TestBackend[] {
  if (available) return available;
  const requested = (process.env.TFSIM_TEST_BACKENDS ?? 'tensorflow,wasm,cpu')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean) as TestBackend[];
  const result: TestBackend[] = [];
  for (const backend of requested) {
    if (backend === 'tensorflow') {
      if (loadNative()) result.push('tensorflow');
      else if (process.env.TFSIM_REQUIRE_NATIVE === '1') {
        throw new Error(`TFSIM_REQUIRE_NATIVE=1 but @tensorflow/tfjs-node does not load: ${nativeError}`);
      }
    } else if (backend === 'wasm') {
      if (loadWasm()) result.push('wasm');
    } else if (backend === 'cpu') {
      result.push('cpu');
    } else {
      throw new Error(`TFSIM_TEST_BACKENDS names unknown backend "${String(backend)}"`);
    }
  }
  available = result;
  return result;
}

export interface DescribeBackendsOptions {
  /** Only these backends (e.g. skip wasm where a gradient kernel is missing). */
  only?: TestBackend[];
  /** Override default tolerances. */
  tol?: Partial<Record<TestBackend, number>>;
}

/** `describe(title [backend])` once per available backend, with that backend active. */
export function describeEachBackend(title: string, body: (ctx: BackendContext) => void, options: DescribeBackendsOptions = {}): void {
  const backends = testBackends().filter((b) => !options.only || options.only.includes(b));
  for (const backend of backends) {
    const ctx: BackendContext = { backend, tol: options.tol?.[backend] ?? BACKEND_TOLERANCE[backend] };
    describe(`${title} [${backend}]`, () => {
      beforeAll(async () => {
        const ok = await tf.setBackend(backend);
        if (!ok) throw new Error(`could not activate backend ${backend}`);
        await tf.ready();
      });
      body(ctx);
    });
  }
}
