/**
 * GraphTrainer: when steps run eagerly, are traced, compiled (one graph per
 * batch shape) and run as one call; its report; the learning rate fed at
 * each graph step; JavaScript counters and batch checks kept; fallbacks with
 * their reasons.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';

import { useFusedGradients } from '../../src/graph/fused-gradients';
import { GraphTrainer, type JsCounter, type TrainStep } from '../../src/graph/graph-trainer';

interface Linear {
  w: tf.Variable;
  b: tf.Variable;
}

let made = 0;
function linear(): Linear {
  made++;
  return tf.tidy(() => ({
    w: tf.variable(tf.tensor2d([[0.5], [-0.25]]), true, `gt_w_${made}`),
    b: tf.variable(tf.tensor1d([0.1]), true, `gt_b_${made}`),
  }));
}

/** SGD on mean((x @ w + b - y)^2); `calls` counts the eager runs of the step's JavaScript. */
function sgdStep(optimizer: tf.Optimizer, m: Linear, calls: { n: number }, extra?: () => void): TrainStep {
  return ([x, y]) => {
    calls.n++;
    extra?.();
    return tf.tidy(() => [
      optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x as tf.Tensor2D, m.w as tf.Tensor2D), m.b), y!))), true, [
        m.w,
        m.b,
      ])!,
    ]);
  };
}

/** Deterministic batch `k` of `rows` rows. */
function batch(k: number, rows = 4): tf.Tensor[] {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let r = 0; r < rows; r++) {
    x.push([Math.sin(k + r), Math.cos(2 * k - r)]);
    y.push([Math.sin(3 * k + r)]);
  }
  return [tf.tensor2d(x), tf.tensor2d(y)];
}

/** Runs batches through `run`, returning each step's loss; disposes everything it made. */
function losses(run: (feeds: tf.Tensor[]) => tf.Tensor[], batches: Array<[number, number]>, before?: (i: number) => void): number[] {
  return batches.map(([k, rows], i) => {
    before?.(i);
    const feeds = batch(k, rows);
    const out = run(feeds);
    const loss = out[0]!.dataSync()[0]!;
    tf.dispose([...out, ...feeds]);
    return loss;
  });
}

function expectSameModel(a: Linear, b: Linear): void {
  Array.from(a.w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(b.w.dataSync()[i]!, 5));
  expect(a.b.dataSync()[0]).toBeCloseTo(b.b.dataSync()[0]!, 5);
}

describe('GraphTrainer on a portable backend', () => {
  it('cpu: every step eager, the reason names the backend, no fallback printed', async () => {
    // tfjs-core's "install the node backend" hint on cpu is not ours
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await tf.setBackend('cpu');
    const m = linear();
    const calls = { n: 0 };
    const onFallback = jest.fn();
    const trainer = new GraphTrainer(sgdStep(tf.train.sgd(0.1), m, calls), tf.train.sgd(0.1), onFallback);
    losses(
      (f) => trainer.run(f),
      [
        [0, 4],
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ],
    );
    expect(calls.n).toBe(5);
    expect(trainer.report()).toEqual({ graphSteps: 0, compiled: 0, reason: 'the backend is cpu, not native TensorFlow' });
    expect(onFallback).not.toHaveBeenCalled();
    expect(warn.mock.calls.filter((c) => String(c[0]).startsWith('[tfsim]'))).toEqual([]);
    warn.mockRestore();
    trainer.dispose();
    tf.dispose([m.w, m.b]);
  });

  it("dispose rethrows a failed sync, except after a failed fit (afterError), where the fit's own error must surface", () => {
    const m = linear();
    const make = () => {
      const optimizer = tf.train.sgd(0.1);
      const trainer = new GraphTrainer(sgdStep(optimizer, m, { n: 0 }), optimizer, () => undefined);
      trainer.sync = () => {
        throw new Error('session gone');
      };
      return trainer;
    };
    expect(() => make().dispose()).toThrow('session gone');
    expect(() => make().dispose({ afterError: true })).not.toThrow();
    tf.dispose([m.w, m.b]);
  });
});

const native = testBackends().includes('tensorflow');
(native ? describe : describe.skip)('GraphTrainer [tensorflow]', () => {
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
  });
  afterEach(() => {
    // the trainer feeds every registered variable it reads: none may be left over from another test
    expect(Object.keys(tf.engine().registeredVariables)).toEqual([]);
  });

  const five: Array<[number, number]> = [
    [0, 4],
    [1, 4],
    [2, 4],
    [3, 4],
    [4, 4],
  ];

  it('step 1 warms up, steps 2-3 are traced, steps 4-5 run as one graph; equal to eager; counters, checks and iterations kept', () => {
    const g = linear();
    const e = linear();
    const optG = tf.train.sgd(0.1);
    const optE = tf.train.sgd(0.1);
    const calls = { n: 0 };
    let count = 0;
    const counter: JsCounter = { get: () => count, set: (v) => void (count = v) };
    const checkFeeds = jest.fn();
    const trainer = new GraphTrainer(
      sgdStep(optG, g, calls, () => count++),
      optG,
      jest.fn(),
      { checkFeeds, counters: [counter] },
    );
    const graphLosses = losses((f) => trainer.run(f), five);
    const eagerLosses = losses(sgdStep(optE, e, { n: 0 }), five);
    expect(trainer.report()).toEqual({ graphSteps: 2, compiled: 1, reason: null });
    expect([...trainer.compiled.keys()]).toEqual(['float32[4,2];float32[4,1]']);
    expect(calls.n).toBe(3);
    expect(count).toBe(5); // +1 per step, also the two graph steps
    expect(checkFeeds).toHaveBeenCalledTimes(2); // graph steps only: eager steps check themselves
    expect(checkFeeds.mock.calls[0]![0]).toHaveLength(2);
    expect(optG.iterations).toBe(5);
    graphLosses.forEach((l, i) => expect(l).toBeCloseTo(eagerLosses[i]!, 5));
    trainer.sync(); // graph steps leave the newest weights in the session
    expectSameModel(g, e);
    expect(Math.abs(eagerLosses[0]! - eagerLosses[4]!)).toBeGreaterThan(1e-3);
    trainer.dispose();
    expect(trainer.compiled.size).toBe(0);
    tf.dispose([g.w, g.b, e.w, e.b]);
  });

  it('the state stays in the session between graph steps: sync brings the tfjs variables up to date, a change made in between is pushed back', () => {
    const g = linear();
    const e = linear();
    const optG = tf.train.sgd(0.1);
    const optE = tf.train.sgd(0.1);
    const trainer = new GraphTrainer(sgdStep(optG, g, { n: 0 }), optG, jest.fn());
    losses((f) => trainer.run(f), five.slice(0, 3));
    const afterEager = Array.from(g.w.dataSync());
    losses((f) => trainer.run(f), five.slice(3));
    expect(trainer.report().graphSteps).toBe(2);
    expect(Array.from(g.w.dataSync())).toEqual(afterEager); // graph steps did not touch the tfjs variable
    losses(sgdStep(optE, e, { n: 0 }), five);
    expect(Math.abs(e.w.dataSync()[0]! - afterEager[0]!)).toBeGreaterThan(1e-4);
    trainer.sync();
    expectSameModel(g, e);
    // the user sets a weight between steps: the next graph step starts from it
    for (const m of [g, e]) m.w.assign(tf.tensor2d([[1], [-1]]));
    const more: Array<[number, number]> = [
      [5, 4],
      [6, 4],
    ];
    const graphLosses = losses((f) => trainer.run(f), more);
    const eagerLosses = losses(sgdStep(optE, e, { n: 0 }), more);
    expect(trainer.report().graphSteps).toBe(4);
    graphLosses.forEach((l, i) => expect(l).toBeCloseTo(eagerLosses[i]!, 5));
    // set without a sync after graph steps: the bias takes the new value, the kernel keeps the session's (not the stale tfjs one)
    expect(Array.from(g.w.dataSync())).toEqual([1, -1]);
    for (const m of [g, e]) m.b.assign(tf.tensor1d([0.5]));
    const last: Array<[number, number]> = [[7, 4]];
    const graphLast = losses((f) => trainer.run(f), last);
    const eagerLast = losses(sgdStep(optE, e, { n: 0 }), last);
    expect(graphLast[0]).toBeCloseTo(eagerLast[0]!, 5);
    trainer.dispose(); // syncs too
    expectSameModel(g, e);
    tf.dispose([g.w, g.b, e.w, e.b]);
  });

  it('one graph per batch shape: a new shape is traced twice, then both shapes run as graphs', () => {
    const g = linear();
    const e = linear();
    const optG = tf.train.sgd(0.1);
    const optE = tf.train.sgd(0.1);
    const calls = { n: 0 };
    const trainer = new GraphTrainer(sgdStep(optG, g, calls), optG, jest.fn());
    const order: Array<[number, number]> = [
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 3],
      [4, 3],
      [5, 4],
      [6, 3],
      [7, 4],
    ];
    const graphLosses = losses((f) => trainer.run(f), order);
    const eagerLosses = losses(sgdStep(optE, e, { n: 0 }), order);
    expect(trainer.report()).toEqual({ graphSteps: 3, compiled: 2, reason: null });
    expect(calls.n).toBe(5);
    expect([...trainer.compiled.keys()].sort()).toEqual(['float32[3,2];float32[3,1]', 'float32[4,2];float32[4,1]']);
    graphLosses.forEach((l, i) => expect(l).toBeCloseTo(eagerLosses[i]!, 5));
    trainer.sync(); // graph steps leave the newest weights in the session
    expectSameModel(g, e);
    trainer.dispose();
    tf.dispose([g.w, g.b, e.w, e.b]);
  });

  it("feeds the optimizer's current learning rate to each graph step (a schedule changing it every step)", () => {
    const g = linear();
    const e = linear();
    const optG = tf.train.sgd(0.1);
    const optE = tf.train.sgd(0.1);
    const rate = (i: number) => 0.2 / (1 + i);
    const trainer = new GraphTrainer(sgdStep(optG, g, { n: 0 }), optG, jest.fn());
    const six: Array<[number, number]> = [...five, [5, 4]];
    const graphLosses = losses(
      (f) => trainer.run(f),
      six,
      (i) => optG.setLearningRate(rate(i)),
    );
    const eagerLosses = losses(sgdStep(optE, e, { n: 0 }), six, (i) => optE.setLearningRate(rate(i)));
    expect(trainer.report()).toEqual({ graphSteps: 3, compiled: 1, reason: null });
    graphLosses.forEach((l, i) => expect(l).toBeCloseTo(eagerLosses[i]!, 5));
    trainer.sync(); // graph steps leave the newest weights in the session
    expectSameModel(g, e);
    // a frozen rate would differ: the same steps at the traced rate leave other weights
    const frozen = linear();
    const optF = tf.train.sgd(0.1);
    losses(sgdStep(optF, frozen, { n: 0 }), six, (i) => optF.setLearningRate(rate(Math.min(i, 2))));
    expect(Math.abs(frozen.w.dataSync()[0]! - g.w.dataSync()[0]!)).toBeGreaterThan(1e-4);
    trainer.dispose();
    tf.dispose([g.w, g.b, e.w, e.b, frozen.w, frozen.b]);
  });

  it("a dense ReLU step compiles to MatMul, BiasAdd and ReluGrad (what grappler fuses), equal to eager; describe writes it with one run's feeds", () => {
    const reluStep =
      (opt: tf.Optimizer, m: Linear): TrainStep =>
      ([x, y]) =>
        tf.tidy(() => [
          opt.minimize(() => tf.mean(tf.square(tf.sub(tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, m.w as tf.Tensor2D), m.b)), y!))), true, [
            m.w,
            m.b,
          ])!,
        ]);
    const g = linear();
    const e = linear();
    const opt = tf.train.sgd(0.1);
    const optE = tf.train.sgd(0.1);
    const trainer = new GraphTrainer(reluStep(opt, g), opt, jest.fn());
    const feeds = batch(9);
    expect(trainer.describe(feeds)).toBeNull();
    const graphLosses = losses((f) => trainer.run(f), five);
    const release = useFusedGradients(); // as a fit's eager steps take them
    const eagerLosses = losses(reluStep(optE, e), five);
    release();
    expect(trainer.report()).toEqual({ graphSteps: 2, compiled: 1, reason: null });
    graphLosses.forEach((l, i) => expect(l).toBeCloseTo(eagerLosses[i]!, 6));
    trainer.sync(); // graph steps leave the newest weights in the session
    expectSameModel(g, e);
    expect(Math.abs(g.w.dataSync()[0]! - 0.5)).toBeGreaterThan(1e-3); // the ReLU let gradients through: the weights moved
    const d = trainer.describe(feeds)!;
    const text = Buffer.from(d.savedModel).toString('latin1');
    for (const op of ['MatMul', 'BiasAdd', 'ReluGrad']) expect(text).toContain(op);
    for (const op of ['BatchMatMulV2', 'Select', 'IsNan', 'Step']) expect(text).not.toContain(op);
    // the state is not fed: the batch and the rate are; w and b initialise the session's variables
    expect(d.inputs.map((i) => i.name)).toEqual(['in_0:0', 'in_1:0', expect.stringMatching(/^c_\d+:0$/)]);
    expect(Array.from(d.inputs[0]!.values)).toEqual(Array.from(feeds[0]!.dataSync()));
    expect(d.inputs[0]!.shape).toEqual([4, 2]);
    expect(d.inputs[2]).toMatchObject({ dtype: 'float32', shape: [], values: Float32Array.of(-0.1) }); // SGD adds -rate * grad
    expect(d.outputs).toEqual(['r_0:0']); // the loss alone
    expect(d.init.output).toBe('init_done:0');
    expect(d.init.inputs.map((i) => [i.shape, Array.from(i.values)])).toEqual([
      [[2, 1], Array.from(g.w.dataSync())],
      [[1], Array.from(g.b.dataSync())],
    ]);
    tf.dispose(feeds);
    trainer.dispose();
    tf.dispose([g.w, g.b, e.w, e.b]);
  });

  it('graph steps leave no tensors behind', async () => {
    const g = linear();
    const opt = tf.train.sgd(0.1);
    const trainer = new GraphTrainer(sgdStep(opt, g, { n: 0 }), opt, jest.fn());
    losses(
      (f) => trainer.run(f),
      [
        [0, 4],
        [1, 4],
        [2, 4],
      ],
    );
    expect(trainer.report().compiled).toBe(1);
    await expectNoLeak(() =>
      losses(
        (f) => trainer.run(f),
        [
          [3, 4],
          [4, 4],
        ],
      ),
    );
    expect(trainer.report().graphSteps).toBe(2);
    trainer.dispose();
    tf.dispose([g.w, g.b]);
  });

  it("falls back for good, once, with the trace's reason (a value read back in the step)", () => {
    const g = linear();
    const opt = tf.train.sgd(0.1);
    const calls = { n: 0 };
    const onFallback = jest.fn();
    const reading: TrainStep = (feeds) => {
      tf.tidy(() => tf.matMul(feeds[0] as tf.Tensor2D, g.w as tf.Tensor2D).dataSync());
      return sgdStep(opt, g, calls)(feeds);
    };
    const trainer = new GraphTrainer(reading, opt, onFallback);
    losses((f) => trainer.run(f), five);
    const reason = 'the step reads a tensor back to JavaScript (dataSync, data, arraySync or array inside the step)';
    expect(onFallback.mock.calls).toEqual([[reason]]);
    expect(trainer.report()).toEqual({ graphSteps: 0, compiled: 0, reason });
    expect(calls.n).toBe(5);
    trainer.dispose();
    tf.dispose([g.w, g.b]);
  });

  it('falls back when a JavaScript-made tensor changes between the traces, or a counter moves differently', () => {
    const g = linear();
    const opt = tf.train.sgd(0.1);
    let k = 0;
    const noisy: TrainStep = ([x, y]) => tf.tidy(() => sgdStep(opt, g, { n: 0 })([tf.add(x!, tf.scalar(k++ * 0.01)), y!]));
    const onFallback = jest.fn();
    const trainer = new GraphTrainer(noisy, opt, onFallback);
    losses((f) => trainer.run(f), five);
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect(trainer.report()).toEqual({
      graphSteps: 0,
      compiled: 0,
      reason: expect.stringMatching(/^a tensor made in JavaScript \(shape \[\]\) changes from one step to the next/),
    });
    trainer.dispose();

    let count = 0;
    let by = 1;
    const counter: JsCounter = { get: () => count, set: (v) => void (count = v) };
    const counting = new GraphTrainer(
      sgdStep(opt, g, { n: 0 }, () => (count += by++)),
      opt,
      jest.fn(),
      { counters: [counter] },
    );
    losses((f) => counting.run(f), five);
    expect(counting.report()).toEqual({
      graphSteps: 0,
      compiled: 0,
      reason: 'a counter kept in JavaScript (ActivationStdLoggingLayer) changes differently from one step to the next',
    });
    expect(count).toBe(1 + 2 + 3 + 4 + 5);
    counting.dispose();
    tf.dispose([g.w, g.b]);
  });
});
