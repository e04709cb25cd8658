/**
 * Our TensorFlow op library: it loads into tfjs-node's TensorFlow, and its
 * TfsimAdamUpdate gives tfjs' Adam kernels' numbers bit for bit (and those of
 * a float32 reference computed here), eagerly, on values chosen to be
 * awkward; a wrong shape is named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { testBackends } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import { activeNativeBackend, type NativeBackend } from '../../src/graph/native';
import {
  adamElement,
  adamOpInputs,
  frameworkMismatch,
  loadOpLibrary,
  mappedFrameworks,
  opLibraryPath,
  runAdamOp,
} from '../../src/graph/op-library';
import { bitDifference } from './bits';

// the library is built by setup:native (CI requires it: packages/setup-native/test/tf-ops.test.ts)
const native = testBackends().includes('tensorflow') && fs.existsSync(opLibraryPath());
const describeNative = native ? describe : describe.skip;

const STEP = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.01 };

describeNative('TfsimAdamUpdate [tensorflow]', () => {
  let backend: NativeBackend;
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    backend = activeNativeBackend()!;
    expect(loadOpLibrary(backend)).toBeNull();
  });

  /** Values that stress the rounding: tiny, huge, subnormal second moments, zero and negative gradients. */
  function awkward(n: number, seed: number): Float32Array[] {
    const rng = new Rng(seed);
    const pick = (k: number): number => [0, 1e-30, -3.5e-20, 2.5e-12, 1e-3, 0.7, -1.25, 3.4e4, 1e-38, -7e30][k % 10]!;
    const w = Float32Array.from({ length: n }, (_, i) => (i < 40 ? pick(i) : rng.normal(0, 2)));
    const m = Float32Array.from({ length: n }, (_, i) => (i < 40 ? pick(i + 3) : rng.normal(0, 0.05)));
    const v = Float32Array.from({ length: n }, (_, i) => (i < 40 ? Math.abs(pick(i + 7)) : rng.uniform(0, 1e-3) ** 3));
    const g = Float32Array.from({ length: n }, (_, i) => (i < 40 ? pick(i + 1) : rng.normal(0, 0.1)));
    return [w, m, v, g];
  }

  it.each([1, 2, 7, 1000])(
    "equals tfjs' Adam kernels bit for bit (and a float32 reference computed here), step %i, 20,000 awkward elements",
    (t) => {
      const s = { ...STEP, beta1Power: STEP.beta1 ** t, beta2Power: STEP.beta2 ** t };
      const [w, m, v, g] = awkward(20_000, t);
      const fused = tf.tidy(() => {
        const inputs = adamOpInputs(tf.tensor1d(w!), tf.tensor1d(m!), tf.tensor1d(v!), tf.tensor1d(g!), s);
        return runAdamOp(backend, inputs).map((x) => x.dataSync() as Float32Array);
      });
      // tfjs' own optimizer on variables holding the same values, its accBetas at step t
      const kernels = tf.tidy(() => {
        const variable = tf.variable(tf.tensor1d(w!), true, `fa_w_${t}`);
        const adam = tf.train.adam(s.learningRate, s.beta1, s.beta2, s.epsilon);
        adam.applyGradients([{ name: variable.name, tensor: tf.zerosLike(variable) }]); // makes the slots
        const state = adam as unknown as {
          accBeta1: tf.Variable;
          accBeta2: tf.Variable;
          accumulatedFirstMoment: Array<{ variable: tf.Variable }>;
          accumulatedSecondMoment: Array<{ variable: tf.Variable }>;
        };
        variable.assign(tf.tensor1d(w!));
        state.accumulatedFirstMoment[0]!.variable.assign(tf.tensor1d(m!));
        state.accumulatedSecondMoment[0]!.variable.assign(tf.tensor1d(v!));
        state.accBeta1.assign(tf.scalar(s.beta1Power));
        state.accBeta2.assign(tf.scalar(s.beta2Power));
        adam.applyGradients([{ name: variable.name, tensor: tf.tensor1d(g!) }]);
        const out = [variable, state.accumulatedFirstMoment[0]!.variable, state.accumulatedSecondMoment[0]!.variable].map(
          (x) => x.dataSync().slice() as Float32Array,
        );
        adam.dispose();
        variable.dispose();
        return out;
      });
      const reference = [0, 1, 2].map(() => new Float32Array(w!.length));
      for (let i = 0; i < w!.length; i++) {
        const r = adamElement(w![i]!, m![i]!, v![i]!, g![i]!, s);
        for (let k = 0; k < 3; k++) reference[k]![i] = r[k]!;
      }
      for (let k = 0; k < 3; k++) {
        expect(bitDifference(fused[k]!, kernels[k]!)).toEqual({ differ: 0, maxUlp: 0 });
        // the JavaScript reference rounds as the CPU does without flushing subnormals: compare the normal range only
        const normal = (a: Float32Array) => a.map((x) => (Math.abs(x) < 1.1754943508222875e-38 ? 0 : x));
        expect(bitDifference(normal(fused[k]!), normal(reference[k]!))).toEqual({ differ: 0, maxUlp: 0 });
      }
      // the update moved the weights: equal arrays are not three copies of the input
      expect(bitDifference(fused[0]!, w!).differ).toBeGreaterThan(19_000);
    },
  );

  it('names a wrong shape', () => {
    const s = { ...STEP, beta1Power: 0.9, beta2Power: 0.999 };
    expect(() => tf.tidy(() => runAdamOp(backend, adamOpInputs(tf.ones([3]), tf.ones([3]), tf.ones([2]), tf.ones([3]), s)))).toThrow(
      /TfsimAdamUpdate: input 2 has shape \[2\], var has \[3\]/,
    );
  });
});

describe('the TensorFlow the library was built against', () => {
  const built = '/opt/tf-2.21/libtensorflow_framework.so.2';

  it('reads the framework files mapped into a process from its maps text', () => {
    const maps = [
      `7f0000000000-7f0000100000 r--p 00000000 fd:01 4242 ${built}`,
      `7f0000100000-7f0000900000 r-xp 00100000 fd:01 4242 ${built}`,
      '7f0000a00000-7f0000b00000 r-xp 00000000 fd:01 77 /usr/lib/libtensorflow_cc.so.2',
      '7f0000c00000-7f0000d00000 rw-p 00000000 00:00 0 ',
      '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]',
      '7f0000e00000-7f0000f00000 r--p 00000000 fd:01 99 /home/a b/libtensorflow_framework.so.2',
    ].join('\n');
    expect(mappedFrameworks(maps)).toEqual([built, '/home/a b/libtensorflow_framework.so.2']);
    expect(mappedFrameworks('')).toEqual([]);
  });

  it('objects only when both sides are known and differ, naming both', () => {
    expect(frameworkMismatch(built, [built])).toBeNull();
    expect(frameworkMismatch(undefined, ['/other/libtensorflow_framework.so.2'])).toBeNull();
    expect(frameworkMismatch(built, [])).toBeNull();
    expect(frameworkMismatch(built, ['/other/libtensorflow_framework.so.2'])).toBe(
      `the TensorFlow op library was built against ${built}, but this process runs /other/libtensorflow_framework.so.2; run tfsim-setup-native again`,
    );
  });
});

describeNative('the built library and the running TensorFlow [tensorflow]', () => {
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
  });

  it("setup recorded the framework this process runs (so today's library loads)", () => {
    const record = `${opLibraryPath()}.json`;
    if (!fs.existsSync(record)) return; // a library from elsewhere (TFSIM_TF_OPS) without setup's record
    const { framework } = JSON.parse(fs.readFileSync(record, 'utf8')) as { framework: string };
    expect(mappedFrameworks(fs.readFileSync('/proc/self/maps', 'utf8'))).toContain(framework);
  });

  it('is not loaded when it was built against another TensorFlow: the reason, before any require', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-tf-ops-'));
    try {
      // not a library at all: were it required, the reason would be "does not load"
      const file = path.join(dir, 'tfsim-tf-ops.node');
      fs.writeFileSync(file, '');
      fs.writeFileSync(`${file}.json`, JSON.stringify({ framework: '/elsewhere/libtensorflow_framework.so.2' }));
      const running = mappedFrameworks(fs.readFileSync('/proc/self/maps', 'utf8'));
      expect(running.length).toBeGreaterThan(0);
      expect(withLibraryAt(file, () => loadOpLibrary(activeNativeBackend()!))).toBe(
        frameworkMismatch('/elsewhere/libtensorflow_framework.so.2', running),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('opLibraryPath', () => {
  it('the library path is native/ of this package unless TFSIM_TF_OPS says otherwise', () => {
    expect(withLibraryAt('/nonexistent/tfsim-tf-ops.node', opLibraryPath)).toBe('/nonexistent/tfsim-tf-ops.node');
    if (process.env.TFSIM_TF_OPS === undefined) expect(opLibraryPath()).toMatch(/packages\/models\/native\/tfsim-tf-ops\.node$/);
  });
});

function withLibraryAt<T>(file: string, fn: () => T): T {
  const before = process.env.TFSIM_TF_OPS;
  process.env.TFSIM_TF_OPS = file;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TFSIM_TF_OPS;
    else process.env.TFSIM_TF_OPS = before;
  }
}
