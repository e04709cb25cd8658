/**
 * reconcile (what two traces of a step must share, and which constants are
 * the learning rate) on hand-made traces; CompiledStep on the native backend
 * against the eager step on fixed inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';

import { CompiledStep, reconcile } from '../../src/graph/compiled-step';
import type { GraphNode } from '../../src/graph/graph-def';
import { activeNativeBackend, type NativeBackend } from '../../src/graph/native';
import { type Trace, traceStep } from '../../src/graph/trace';

function traceOf(consts: Array<{ shape: number[]; values: number[]; dtype?: number }>, extra: Partial<Trace> = {}): Trace {
  const nodes: GraphNode[] = [
    { kind: 'placeholder', name: 'in_0', dtype: 1, shape: [2] },
    ...consts.map((c, i): GraphNode => ({
      kind: 'const',
      name: `c_${i}`,
      dtype: c.dtype ?? 1,
      shape: c.shape,
      values: (c.dtype ?? 1) === 3 ? Int32Array.from(c.values) : Float32Array.from(c.values),
    })),
  ];
  return { nodes, stateIn: [], outputs: ['in_0'], stateOut: [], signature: 'same', unsupported: null, ...extra };
}

describe('reconcile', () => {
  it('passes on the first unsupported reason (a first, then b)', () => {
    expect(reconcile(traceOf([], { unsupported: 'reason a' }), traceOf([], { unsupported: 'reason b' }), [0.1, 0.1])).toEqual({
      reason: 'reason a',
    });
    expect(reconcile(traceOf([]), traceOf([], { unsupported: 'reason b' }), [0.1, 0.1])).toEqual({ reason: 'reason b' });
  });

  it('different signatures: different kernels from one step to the next', () => {
    expect(reconcile(traceOf([]), traceOf([], { signature: 'other' }), [0.1, 0.1])).toEqual({
      reason: 'the step runs different kernels from one step to the next (control flow that depends on values)',
    });
  });

  it('equal constants (NaN equal to NaN) are frozen: no rate inputs', () => {
    const c = [
      { shape: [3], values: [1, Number.NaN, -2] },
      { shape: [], values: [4], dtype: 3 },
    ];
    expect(reconcile(traceOf(c), traceOf(c), [undefined, undefined])).toEqual({ rateInputs: [] });
  });

  it('a scalar float32 constant equal to +rate or -rate in both traces is fed, with its sign (float32 rounding of the rate)', () => {
    const a = traceOf([
      { shape: [], values: [Math.fround(0.1)] },
      { shape: [2], values: [7, 8] },
      { shape: [], values: [Math.fround(-0.1)] },
    ]);
    const b = traceOf([
      { shape: [], values: [Math.fround(0.05)] },
      { shape: [2], values: [7, 8] },
      { shape: [], values: [Math.fround(-0.05)] },
    ]);
    expect(reconcile(a, b, [0.1, 0.05])).toEqual({
      rateInputs: [
        { name: 'c_0', sign: 1 },
        { name: 'c_2', sign: -1 },
      ],
    });
  });

  it('a constant equal to the rate in both traces with the rate unchanged is still fed', () => {
    const a = traceOf([{ shape: [], values: [Math.fround(-0.01)] }]);
    expect(reconcile(a, a, [0.01, 0.01])).toEqual({ rateInputs: [{ name: 'c_0', sign: -1 }] });
  });

  it('a constant that changes otherwise is refused, with its shape', () => {
    const reason = {
      reason:
        'a tensor made in JavaScript (shape [2, 3]) changes from one step to the next: JavaScript-side random numbers (noise layers) or values computed in JavaScript cannot be frozen into a graph',
    };
    const a = traceOf([{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }]);
    const b = traceOf([{ shape: [2, 3], values: [1, 2, 3, 4, 5, 7] }]);
    expect(reconcile(a, b, [0.1, 0.1])).toEqual(reason);
    // the rate's sign flipping, the rate unknown, a zero rate, a rank-1 or int32 "rate": compared as values
    const flip = [traceOf([{ shape: [], values: [Math.fround(0.1)] }]), traceOf([{ shape: [], values: [Math.fround(-0.2)] }])] as const;
    expect(reconcile(flip[0], flip[1], [0.1, 0.2])).toHaveProperty('reason', expect.stringContaining('(shape [])'));
    expect(reconcile(traceOf([{ shape: [], values: [1] }]), traceOf([{ shape: [], values: [2] }]), [undefined, undefined])).toHaveProperty(
      'reason',
    );
    expect(reconcile(traceOf([{ shape: [], values: [0] }]), traceOf([{ shape: [], values: [0] }]), [0, 0])).toEqual({ rateInputs: [] });
    expect(
      reconcile(traceOf([{ shape: [1], values: [Math.fround(0.1)] }]), traceOf([{ shape: [1], values: [Math.fround(0.2)] }]), [0.1, 0.2]),
    ).toHaveProperty('reason', expect.stringContaining('(shape [1])'));
    expect(
      reconcile(traceOf([{ shape: [], values: [1], dtype: 3 }]), traceOf([{ shape: [], values: [2], dtype: 3 }]), [1, 2]),
    ).toHaveProperty('reason');
  });
});

/** One SGD step of a linear least-squares model: loss = mean((x @ w + b - y)^2). */
function sgdStep(optimizer: tf.Optimizer, w: tf.Variable, b: tf.Variable): (feeds: tf.Tensor[]) => tf.Tensor[] {
  return ([x, y]) => [
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b), y!))), true, [w, b])!,
  ];
}

const native = testBackends().includes('tensorflow');
(native ? describe : describe.skip)('CompiledStep [tensorflow]', () => {
  let backend: NativeBackend;
  const x0 = [
    [1, 2],
    [3, -1],
    [0, 1],
  ];
  const y0 = [[1], [0], [2]];
  const x1 = [
    [2, 0],
    [-1, 1],
    [1, 1],
  ];
  const y1 = [[0], [1], [1]];
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    backend = activeNativeBackend()!;
  });

  /** Two models with the same start; the first step runs (and is traced) on `a`, eagerly on `b`. */
  let made = 0;
  function setup() {
    made++;
    const make = (tag: string) =>
      tf.tidy(() => ({
        w: tf.variable(tf.tensor2d([[0.5], [-0.25]]), true, `cs_w_${tag}`),
        b: tf.variable(tf.tensor1d([0.1]), true, `cs_b_${tag}`),
      }));
    return { a: make(`a${made}`), b: make(`b${made}`) };
  }

  const feedsOf = (x: number[][], y: number[][]) => [tf.tensor2d(x), tf.tensor2d(y)];

  it('equals the eager step (loss and variables), the learning rate fed at each run', async () => {
    const { a, b } = setup();
    const optA = tf.train.sgd(0.1);
    const optB = tf.train.sgd(0.1);
    const feeds0 = feedsOf(x0, y0);
    const { results, trace } = traceStep(backend, feeds0, [a.w, a.b], () => tf.tidy(() => sgdStep(optA, a.w, a.b)(feeds0)));
    expect(trace.unsupported).toBeNull();
    expect(trace.stateIn).toEqual([0, 1]);
    expect(trace.stateOut).toEqual([0, 1]);
    const eager0 = tf.tidy(() => sgdStep(optB, b.w, b.b)(feeds0));
    expect(results[0]!.dataSync()[0]).toBeCloseTo(eager0[0]!.dataSync()[0]!, 6);
    tf.dispose([...results, ...eager0, ...feeds0]);

    const agreed = reconcile(trace, trace, [0.1, 0.1]);
    expect(agreed).toEqual({ rateInputs: [expect.objectContaining({ sign: -1 })] });
    const step = new CompiledStep(backend, trace, 'rateInputs' in agreed ? agreed.rateInputs : [], [1], [a.w, a.b]);
    try {
      step.push();
      const runs: Array<[number[][], number[][], number]> = [
        [x1, y1, 0.05],
        [x0, y0, 0.2],
      ];
      for (const [x, y, rate] of runs) {
        const feeds = feedsOf(x, y);
        const graphLoss = await expectNoLeak(() => {
          const out = step.run(feeds, rate);
          expect(out).toHaveLength(1);
          const v = out[0]!.dataSync()[0]!;
          tf.dispose(out);
          step.pull();
          return v;
        });
        optB.setLearningRate(rate);
        const eager = tf.tidy(() => sgdStep(optB, b.w, b.b)(feeds));
        expect(graphLoss).toBeCloseTo(eager[0]!.dataSync()[0]!, 5);
        tf.dispose([...eager, ...feeds]);
        Array.from(a.w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(b.w.dataSync()[i]!, 6));
        expect(a.b.dataSync()[0]).toBeCloseTo(b.b.dataSync()[0]!, 6);
      }
      // the weights moved: equal numbers are not two untouched models
      expect(Math.abs(a.w.dataSync()[0]! - 0.5)).toBeGreaterThan(1e-3);
    } finally {
      step.dispose();
      tf.dispose([a.w, a.b, b.w, b.b]);
    }
  });

  it('without rate inputs the learning rate traced is frozen into the graph', () => {
    const { a, b } = setup();
    const opt = tf.train.sgd(0.1);
    const optB = tf.train.sgd(0.1);
    const feeds0 = feedsOf(x0, y0);
    const { results, trace } = traceStep(backend, feeds0, [a.w, a.b], () => tf.tidy(() => sgdStep(opt, a.w, a.b)(feeds0)));
    tf.dispose([...results, ...tf.tidy(() => sgdStep(optB, b.w, b.b)(feeds0)), ...feeds0]);
    const step = new CompiledStep(backend, trace, [], [1], [a.w, a.b]);
    try {
      step.push();
      const feeds = feedsOf(x1, y1);
      tf.dispose(step.run(feeds, 0.5)); // 0.5 is ignored: 0.1 is a constant
      step.pull();
      tf.dispose([...tf.tidy(() => sgdStep(optB, b.w, b.b)(feeds)), ...feeds]);
      Array.from(a.w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(b.w.dataSync()[i]!, 6));
      expect(a.b.dataSync()[0]).toBeCloseTo(b.b.dataSync()[0]!, 6);
    } finally {
      step.dispose();
      tf.dispose([a.w, a.b, b.w, b.b]);
    }
  });

  it('a graph TensorFlow cannot load throws from the constructor', () => {
    const bad: Trace = {
      nodes: [{ kind: 'op', name: 'op_0', op: 'NoSuchOpInTensorFlow', attrs: [], inputs: [] }],
      stateIn: [],
      outputs: ['op_0:0'],
      stateOut: [],
      signature: '',
      unsupported: null,
    };
    expect(() => new CompiledStep(backend, bad, [], [1], [])).toThrow(/NoSuchOpInTensorFlow/);
  });
});
