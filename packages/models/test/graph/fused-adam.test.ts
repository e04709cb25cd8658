/**
 * The fused Adam rewrite of traced steps: it finds every Adam-updated
 * variable of a trace and nothing else; graph steps with the fused op keep
 * every weight and Adam slot bit for bit as graph steps of tfjs' kernels, for
 * a dense model, a CNN and ArcFace (whose centres train), within 1e-5 of
 * eager; without the library graph steps still run and say why; no leaks.
 */
import * as fs from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MetricEmbedding } from '@tfsim/layers';
import { ArcFaceLoss, type Loss, MultiSimilarityLoss } from '@tfsim/losses';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import { fuseAdamUpdates } from '../../src/graph/fused-adam';
import { GraphTrainer, type TrainStep } from '../../src/graph/graph-trainer';
import { activeNativeBackend } from '../../src/graph/native';
import { loadOpLibrary, opLibraryPath } from '../../src/graph/op-library';
import { traceStep } from '../../src/graph/trace';
import { bitDifference } from './bits';

// the library is built by setup:native (CI requires it: packages/setup-native/test/tf-ops.test.ts)
const native = testBackends().includes('tensorflow') && fs.existsSync(opLibraryPath());
const describeNative = native ? describe : describe.skip;

// ---------------------------------------------------------------- training

type Build = () => { net: tfl.LayersModel; loss: Loss; feeds: tf.Tensor[] };

function denseModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [8, 8, 1] }),
      tfl.layers.dense({ units: 48, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 24, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      new MetricEmbedding({ units: 8, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

function cnnModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 6,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      new MetricEmbedding({ units: 8, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }),
    ],
  });
}

/** A fixed batch of 16 8x8 images, labels in groups of four. */
function batchFeeds(): tf.Tensor[] {
  const rng = new Rng(11);
  return [
    tf.tensor4d(
      Float32Array.from({ length: 16 * 64 }, () => rng.normal()),
      [16, 8, 8, 1],
    ),
    tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => Math.floor(i / 4)),
      'int32',
    ),
  ];
}

const BUILDS: Record<string, Build> = {
  dense: () => ({ net: denseModel(), loss: new MultiSimilarityLoss(), feeds: batchFeeds() }),
  cnn: () => ({ net: cnnModel(), loss: new MultiSimilarityLoss(), feeds: batchFeeds() }),
  arcface: () => ({ net: denseModel(), loss: new ArcFaceLoss({ numClasses: 4, embeddingSize: 8, seed: 5 }), feeds: batchFeeds() }),
};

/** Gradients as tfjs' variableGrads gives them, in the form applyGradients types. */
function named(grads: tf.NamedTensorMap): Array<{ name: string; tensor: tf.Tensor }> {
  return Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
}

function failOnFallback(reason: string): never {
  throw new Error(`graph mode fell back: ${reason}`);
}

interface Trained {
  /** Weights, loss variables, then Adam's m and v slots, after the steps. */
  state: Float32Array[];
  losses: number[];
  fused: number;
  graphSteps: number;
}

/** `steps` Adam steps of a fresh model: eagerly, or through a GraphTrainer (with the op library or without). */
function train(build: Build, mode: 'eager' | 'graph', steps: number): Trained {
  const { net, loss, feeds } = build();
  const optimizer = tf.train.adam(0.01);
  const vars = [...net.trainableWeights.map((w) => w.read() as tf.Variable), ...loss.trainableWeights];
  const step: TrainStep = ([x, y]) => {
    const { value, grads } = tf.variableGrads(() => loss.call(y!, net.apply(x!, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    optimizer.applyGradients(named(grads));
    tf.dispose(Object.values(grads));
    return [value];
  };
  const trainer = mode === 'graph' ? new GraphTrainer(step, optimizer, failOnFallback) : null;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const out = trainer ? trainer.run(feeds) : step(feeds);
    losses.push(out[0]!.dataSync()[0]!);
    tf.dispose(out);
  }
  trainer?.sync();
  const slots = optimizer as unknown as {
    accumulatedFirstMoment: Array<{ variable: tf.Variable }>;
    accumulatedSecondMoment: typeof slots.accumulatedFirstMoment;
  };
  const state = [
    ...vars,
    ...slots.accumulatedFirstMoment.map((s) => s.variable),
    ...slots.accumulatedSecondMoment.map((s) => s.variable),
  ].map((v) => v.dataSync().slice() as Float32Array);
  const fused = trainer?.adamFusion().fused ?? 0;
  const graphSteps = trainer?.report().graphSteps ?? 0;
  trainer?.dispose();
  optimizer.dispose();
  net.dispose();
  tf.dispose([...feeds, ...loss.trainableWeights]);
  return { state, losses, fused, graphSteps };
}

/** Runs `fn` with the op library out of reach (as where tfsim-setup-native did not build it). */
function withoutLibrary<T>(fn: () => T): T {
  const before = process.env.TFSIM_TF_OPS;
  process.env.TFSIM_TF_OPS = '/nonexistent/tfsim-tf-ops.node';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TFSIM_TF_OPS;
    else process.env.TFSIM_TF_OPS = before;
  }
}

describeNative('graph steps with the fused Adam [tensorflow]', () => {
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    expect(loadOpLibrary(activeNativeBackend()!)).toBeNull();
  });

  it('the rewrite fuses every Adam-updated variable (14 kernels each become one), SGD and Adam intermediates used elsewhere stay as traced', () => {
    const backend = activeNativeBackend()!;
    const w = tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]),
      true,
      'fa_trace_w',
    );
    const b = tf.variable(tf.tensor1d([0.1, 0.2]), true, 'fa_trace_b');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const lossOf = () => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar;
    const traced = (optimizer: tf.Optimizer) => {
      optimizer.minimize(lossOf, false, [w, b]); // first step: the slots
      const variables = Object.values(tf.engine().registeredVariables);
      const { results, trace } = traceStep(backend, [], variables, () => [optimizer.minimize(lossOf, true, [w, b])!]);
      tf.dispose(results);
      return trace;
    };
    const adam = tf.train.adam(0.01);
    const trace = traced(adam);
    const { trace: fused, fused: count } = fuseAdamUpdates(trace);
    expect(count).toBe(2);
    const ops = (t: typeof trace) => t.nodes.filter((n) => n.kind === 'op').length;
    expect(ops(trace) - ops(fused)).toBe(2 * 14 - 2);
    const adamNodes = fused.nodes.filter((n) => n.kind === 'op' && n.op === 'TfsimAdamUpdate');
    expect(adamNodes.map((n) => n.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^adam_\d+$/)]));
    // the new values of w, b and their four slots are the fused nodes' outputs; the loss is unchanged
    const numResults = trace.outputs.length - trace.stateOut.length;
    expect(fused.outputs.slice(0, numResults)).toEqual(trace.outputs.slice(0, numResults));
    expect(fused.outputs.slice(numResults).filter((r) => /^adam_\d+:[012]$/.test(r))).toHaveLength(6);
    // an intermediate of one update used by another node: that update keeps its kernels
    const firstM = (adamNodes[0] as { inputs: string[] }).inputs[1]!;
    const mNewOfFirst = trace.outputs[numResults + trace.stateOut.indexOf(Number(firstM.slice(2)))]!;
    const leaky = {
      ...trace,
      nodes: [...trace.nodes, { kind: 'op' as const, name: 'reader', op: 'Identity', attrs: [], inputs: [mNewOfFirst] }],
    };
    expect(fuseAdamUpdates(leaky).fused).toBe(1);
    adam.dispose();
    const sgd = tf.train.sgd(0.1);
    expect(fuseAdamUpdates(traced(sgd)).fused).toBe(0);
    sgd.dispose();
    tf.dispose([w, b, x]);
  });

  it.each(['dense', 'cnn', 'arcface'])(
    '%s: weights and Adam slots after 10 steps (7 graph steps) bit for bit those of graph steps running tfjs kernels; within 1e-5 of eager',
    (name) => {
      const build = BUILDS[name]!;
      const fused = train(build, 'graph', 10);
      const kernels = withoutLibrary(() => train(build, 'graph', 10));
      const eager = train(build, 'eager', 10);
      expect(fused.graphSteps).toBe(7);
      expect(kernels.graphSteps).toBe(7);
      // every trained variable's update is fused: weights (and ArcFace's centres)
      expect(fused.fused).toBe(fused.state.length / 3);
      expect(kernels.fused).toBe(0);
      expect(fused.losses).toEqual(kernels.losses);
      fused.state.forEach((s, i) => expect(bitDifference(s, kernels.state[i]!)).toEqual({ differ: 0, maxUlp: 0 }));
      // eager steps run the same Adam kernels, but the forward and backward passes are grappler-optimised in the graph
      for (const graph of [fused, kernels]) {
        graph.state.forEach((s, i) => {
          const e = eager.state[i]!;
          const scale = Math.max(...e.map(Math.abs));
          const diff = Math.max(...s.map((x, k) => Math.abs(x - e[k]!)));
          expect(diff).toBeLessThanOrEqual(1e-5 * scale);
        });
      }
      // the training moved the weights
      expect(bitDifference(fused.state[0]!, train(build, 'eager', 0).state[0]!).differ).toBeGreaterThan(0);
    },
  );

  it('without the library: graph steps still run (tfjs kernels) and say why, once, to onNote', () => {
    const notes: string[] = [];
    withoutLibrary(() => {
      const { net, loss, feeds } = BUILDS.dense!();
      const optimizer = tf.train.adam(0.01);
      const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
      const step: TrainStep = ([x, y]) => {
        const { value, grads } = tf.variableGrads(() => loss.call(y!, net.apply(x!) as tf.Tensor) as tf.Scalar, vars);
        optimizer.applyGradients(named(grads));
        tf.dispose(Object.values(grads));
        return [value];
      };
      const trainer = new GraphTrainer(step, optimizer, failOnFallback, { onNote: (m) => notes.push(m) });
      for (let i = 0; i < 5; i++) tf.dispose(trainer.run(feeds));
      expect(trainer.report()).toEqual({ graphSteps: 2, compiled: 1, reason: null });
      expect(trainer.adamFusion()).toEqual({ fused: 0, reason: expect.stringContaining('the TensorFlow op library is not built') });
      trainer.dispose();
      optimizer.dispose();
      net.dispose();
      tf.dispose(feeds);
    });
    expect(notes).toEqual([
      expect.stringMatching(/^Adam updates run as tfjs' kernels: the TensorFlow op library is not built \(\/nonexistent/),
    ]);
  });

  it('leaks no tensors: a second fused training leaves tf.memory().numTensors unchanged', async () => {
    train(BUILDS.arcface!, 'graph', 5);
    await expectNoLeak(() => void train(BUILDS.arcface!, 'graph', 5));
  });
});
