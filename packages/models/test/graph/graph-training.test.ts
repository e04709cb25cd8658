/**
 * Graph-mode training on the native backend gives the eager numbers: per-step
 * losses and every weight after 20 steps within 1e-5 relative, for several
 * loss families, losses with variables, BatchNormalization, a CNN and a
 * learning-rate schedule, Dropout and the noise layers; falls back with its reason; retraces per batch size.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MetricEmbedding } from '@tfsim/layers';
import { ArcFaceLoss, getLoss, type Loss, ProxyAnchorLoss } from '@tfsim/losses';
import { testBackends } from '@tfsim/test-utils';

import { type ContrastiveModel, createContrastiveModel } from '../../src/contrastive';
import { LearningRateScheduler } from '../../src/schedules';
import { type SimilarityFitArgs, SimilarityModel } from '../../src/similarity-model';
import { FEATURES, mlpBackbone, nuisanceAugmenter, syntheticData } from '../contrastive/fixture';
import { buildMlp, clustersTensor, makeClusters } from '../fixture';

const native = testBackends().includes('tensorflow');
const describeNative = native ? describe : describe.skip;

interface Run {
  losses: number[];
  weights: Float32Array[];
  lossWeights: Float32Array[];
  model: SimilarityModel;
}

/** Fits a fresh model (same seeds) and records each step's loss and the final weights. */
async function run(build: () => SimilarityModel, loss: () => Loss, x: tf.Tensor, y: number[], args: SimilarityFitArgs): Promise<Run> {
  const model = build();
  const l = loss();
  model.compile({ optimizer: tf.train.adam(0.01), loss: l });
  const losses: number[] = [];
  const callbacks = [
    ...((args.callbacks as tfl.Callback[] | undefined) ?? []),
    new tfl.CustomCallback({ onBatchEnd: async (_b, logs) => void losses.push(Number(logs?.loss)) }),
  ];
  await model.fit(x, y, { shuffle: false, verbose: 0, ...args, callbacks });
  return {
    losses,
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    lossWeights: l.trainableWeights.map((w) => w.dataSync() as Float32Array),
    model,
  };
}

/**
 * Relative error of a tensor: the largest difference over the largest
 * magnitude (a weight near zero is compared at its tensor's scale). Losses
 * are compared one step at a time, each at its own scale.
 */
function expectRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(scale === 0 ? diff : diff / scale).toBeLessThanOrEqual(rel);
}

/**
 * A ContrastiveModel trained 20 steps (2 epochs of 16 on 160 views) eagerly and as a graph: the epoch logs of
 * `keys` and every weight agree. Weights whose eager values all stay below 1e-4 are biases before a
 * BatchNormalization: zero gradient in exact arithmetic, at round-off size (~1e-9), so compared absolutely.
 */
async function expectContrastiveSameAsEager(
  create: () => ContrastiveModel,
  optimizer: () => tf.Optimizer,
  keys: readonly string[],
): Promise<void> {
  const views = syntheticData(4, 4, 40);
  const vx = tf.tensor2d(views.x, [views.n, FEATURES]);
  const train = async (graph: boolean) => {
    const model = create();
    model.compile({ optimizer: optimizer() });
    const history = await model.fit(vx, { epochs: 2, batchSize: 16, augmenter: nuisanceAugmenter(9), seed: 1, verbose: false, graph });
    const parts = [model.backbone, model.projector, ...(model.predictor ? [model.predictor] : [])];
    return { model, history, weights: parts.flatMap((m) => m.getWeights().map((w) => w.dataSync() as Float32Array)) };
  };
  const eager = await train(false);
  const graph = await train(true);
  expect(graph.model.graphReport).toEqual({ graphSteps: 17, compiled: 1, reason: null });
  for (const key of keys) {
    expect(graph.history.history[key]).toHaveLength(2);
    graph.history.history[key]!.forEach((v, i) => expectRelClose([v], [eager.history.history[key]![i]!]));
  }
  expect(graph.weights.length).toBe(eager.weights.length);
  graph.weights.forEach((w, i) => {
    const scale = Math.max(...Array.from(eager.weights[i]!, Math.abs));
    if (scale < 1e-4) Array.from(w).forEach((v, k) => expect(Math.abs(v - eager.weights[i]![k]!)).toBeLessThan(1e-6));
    else expectRelClose(w, eager.weights[i]!);
  });
  eager.model.dispose();
  graph.model.dispose();
  vx.dispose();
}

/** `h` through each layer in turn. */
function stack(h: tfl.SymbolicTensor, layers: tfl.layers.Layer[]): tfl.SymbolicTensor {
  return layers.reduce((out, layer) => layer.apply(out) as tfl.SymbolicTensor, h);
}

const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });

/** A fresh SimilarityModel: inputs of `shape`, then `layers`, then an 8-unit MetricEmbedding (seeded, as every layer here). */
function modelThrough(shape: number[], layers: tfl.layers.Layer[]): SimilarityModel {
  const inputs = tfl.input({ shape });
  const outputs = stack(inputs, [...layers, new MetricEmbedding({ units: 8, kernelInitializer: seeded(2) })]);
  return new SimilarityModel({ inputs, outputs });
}

const dense16 = () => tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: seeded(1) });

async function expectSameAsEager(
  build: () => SimilarityModel,
  loss: () => Loss,
  x: tf.Tensor,
  y: number[],
  args: SimilarityFitArgs,
  expectGraphSteps: number,
): Promise<Run> {
  const eager = await run(build, loss, x, y, { ...args, graph: false });
  const graph = await run(build, loss, x, y, args);
  expect(graph.model.graphReport).toEqual(expect.objectContaining({ reason: null }));
  expect(graph.model.graphReport!.graphSteps).toBe(expectGraphSteps);
  expect(eager.model.graphReport).toBeNull();
  graph.losses.forEach((l, i) => expectRelClose([l], [eager.losses[i]!]));
  graph.weights.forEach((w, i) => expectRelClose(w, eager.weights[i]!));
  graph.lossWeights.forEach((w, i) => expectRelClose(w, eager.lossWeights[i]!));
  // the training moved the weights: equal numbers are not two untouched models
  expect(Math.abs(eager.losses[0]! - eager.losses[eager.losses.length - 1]!)).toBeGreaterThan(1e-4);
  eager.model.dispose();
  graph.model.dispose();
  return graph;
}

describeNative('graph-mode training [tensorflow]', () => {
  const data = makeClusters(3, 4, 40); // 160 rows: 10 batches of 16 per epoch
  let x: tf.Tensor;
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    x = clustersTensor(data);
  });
  afterAll(() => x.dispose());

  // 20 steps: 2 epochs of 10 batches of 16; steps 1-3 eager (warm-up and two traces), 17 graph steps
  const twentySteps: SimilarityFitArgs = { batchSize: 16, epochs: 2 };

  /**
   * A model that draws random values per step (masks, noise) trains as a graph equal to eager with
   * `seed`; with `otherSeed` its losses differ: the draws follow the seed. Returns the other run.
   */
  const expectDrawnPerSeed = async (build: () => SimilarityModel, seed: number, otherSeed: number): Promise<Run> => {
    const graph = await expectSameAsEager(build, () => getLoss('multisim_loss'), x, data.y, { ...twentySteps, seed }, 17);
    const other = await run(build, () => getLoss('multisim_loss'), x, data.y, { ...twentySteps, seed: otherSeed });
    expect(Math.max(...other.losses.map((l, i) => Math.abs(l - graph.losses[i]!)))).toBeGreaterThan(1e-4);
    return other;
  };

  it.each([
    'multisim_loss',
    'triplet_loss',
    'pn_loss',
    'circle_loss',
    'soft_nn_loss',
    'lifted_struct_loss',
    'supcon_loss',
    'contrastive_loss',
  ])('%s: 20 steps equal eager (losses and weights within 1e-5 relative)', async (name) => {
    await expectSameAsEager(
      () => buildMlp(data.dim),
      () => getLoss(name),
      x,
      data.y,
      twentySteps,
      17,
    );
  });

  it('ArcFace and Proxy-Anchor: their variables train, equal to eager', async () => {
    const arc = await expectSameAsEager(
      () => buildMlp(data.dim),
      () => new ArcFaceLoss({ numClasses: 4, embeddingSize: 8, seed: 5 }),
      x,
      data.y,
      twentySteps,
      17,
    );
    expect(arc.lossWeights.length).toBe(1);
    await expectSameAsEager(
      () => buildMlp(data.dim),
      () => new ProxyAnchorLoss({ numClasses: 4, embeddingSize: 8, seed: 5 }),
      x,
      data.y,
      twentySteps,
      17,
    );
  });

  it('a learning-rate schedule is fed to the graph at each step', async () => {
    const schedule = (step: number) => 0.02 / (1 + step);
    await expectSameAsEager(
      () => buildMlp(data.dim),
      () => getLoss('multisim_loss'),
      x,
      data.y,
      { ...twentySteps, callbacks: [new LearningRateScheduler(schedule)] },
      17,
    );
  });

  it('a CNN with BatchNormalization (moving statistics are state) equals eager', async () => {
    const images = tf.tidy(() => tf.reshape(tf.slice(x, [0, 0], [160, 16]), [160, 4, 4, 1]));
    const build = () =>
      modelThrough(
        [4, 4, 1],
        [
          tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(1) }),
          tfl.layers.batchNormalization(),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
        ],
      );
    const graph = await expectSameAsEager(build, () => getLoss('multisim_loss'), images, data.y, twentySteps, 17);
    expect(graph.weights.length).toBe(8); // conv 2, batch norm 4 (two moving statistics), embedding 2
    images.dispose();
  });

  it("the weights stay in TensorFlow's session during an epoch and are read back for callbacks and at its end: equal to eager", async () => {
    // a callback that reads the model after each batch records what it sees
    const fitOnce = async (graph: boolean, withReader: boolean) => {
      const seen: number[][] = [];
      const model = buildMlp(data.dim);
      const reader = new tfl.CustomCallback({
        onBatchEnd: async () => void seen.push(Array.from(model.getWeights()[0]!.dataSync().slice(0, 4))),
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: getLoss('multisim_loss') });
      const history = await model.fit(x, data.y, {
        ...twentySteps,
        shuffle: false,
        verbose: 0,
        graph,
        callbacks: withReader ? [reader] : [],
      });
      return { model, history, seen };
    };
    const eager = await fitOnce(false, true);
    // no callbacks: the tfjs variables are brought up to date at the end of each epoch (and of fit) only
    const graph = await fitOnce(true, false);
    expect(graph.model.graphReport).toEqual({ graphSteps: 17, compiled: 1, reason: null });
    expectRelClose(graph.history.history.loss as number[], eager.history.history.loss as number[]);
    graph.model.getWeights().forEach((w, i) => expectRelClose(w.dataSync(), eager.model.getWeights()[i]!.dataSync()));
    // with the reader: it sees each batch's weights
    const read = await fitOnce(true, true);
    expect(read.seen).toHaveLength(20);
    read.seen.forEach((row, i) => expectRelClose(row, eager.seen[i]!));
    expect(Math.abs(read.seen[19]![0]! - read.seen[3]![0]!)).toBeGreaterThan(1e-4); // the weights moved during the graph steps
    for (const r of [eager, graph, read]) r.model.dispose();
  });

  it('retraces on a new batch size: the last partial batch gets its own graph', async () => {
    // 160 rows in batches of 48: three of 48 and one of 16 per epoch; 4 epochs
    const graph = await expectSameAsEager(
      () => buildMlp(data.dim),
      () => getLoss('multisim_loss'),
      x,
      data.y,
      { batchSize: 48, epochs: 4 },
      16 - 1 - 2 - 2,
    );
    expect(graph.model.graphReport!.compiled).toBe(2);
  });

  it('falls back to eager with its reason when the loss reads values back (dataSync), with the eager numbers', async () => {
    const reading = () => {
      const inner = getLoss('multisim_loss');
      const call = inner.call.bind(inner);
      inner.call = (yTrue, yPred) => {
        tf.tidy(() => tf.sum(yPred as tf.Tensor).dataSync());
        return call(yTrue, yPred);
      };
      return inner;
    };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const eager = await run(() => buildMlp(data.dim), reading, x, data.y, { ...twentySteps, graph: false });
      const graph = await run(() => buildMlp(data.dim), reading, x, data.y, twentySteps);
      expect(graph.model.graphReport).toEqual({
        graphSteps: 0,
        compiled: 0,
        reason: expect.stringContaining('reads a tensor back to JavaScript'),
      });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[tfsim\] graph mode off, training eagerly: the step reads a tensor back/));
      expectRelClose(graph.losses, eager.losses);
      eager.model.dispose();
      graph.model.dispose();
    } finally {
      warn.mockRestore();
    }
  });

  it('a dense model with BatchNormalization and Dropout (stateless masks, seed fed per step) equals eager, leak-free', async () => {
    const build = () => modelThrough([data.dim], [dense16(), tfl.layers.batchNormalization(), tfl.layers.dropout({ rate: 0.3 })]);
    // another seed draws other masks: the losses are not the ones of seed 7
    const other = await expectDrawnPerSeed(build, 7, 8);
    expect(other.model.graphReport).toEqual(expect.objectContaining({ graphSteps: 17, reason: null }));
    const before = tf.memory().numTensors;
    await other.model.fit(x, data.y, { ...twentySteps, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    other.model.dispose();
  });

  it('noise layers (GaussianNoise, GaussianDropout, AlphaDropout) train as a graph, not a fallback, and equal eager', async () => {
    const build = () =>
      modelThrough(
        [data.dim],
        [
          tfl.layers.gaussianNoise({ stddev: 0.1 }),
          dense16(),
          tfl.layers.gaussianDropout({ rate: 0.2 }),
          tfl.layers.alphaDropout({ rate: 0.1 }),
        ],
      );
    // the noise is drawn, not frozen or absent: another seed gives other losses
    const other = await expectDrawnPerSeed(build, 3, 4);
    other.model.dispose();
  });

  it('leaks no tensors: a second fit leaves tf.memory().numTensors unchanged', async () => {
    const model = buildMlp(data.dim);
    model.compile({ optimizer: tf.train.adam(0.01), loss: getLoss('multisim_loss') });
    await model.fit(x, data.y, { ...twentySteps, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, data.y, { ...twentySteps, verbose: 0 });
    expect(model.graphReport!.graphSteps).toBe(17);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('ContrastiveModel with Dropout in the backbone (applied to both views) equals eager after 20 steps', async () => {
    const backbone = () => {
      const inputs = tfl.input({ shape: [FEATURES] });
      let h = tfl.layers
        .dense({ units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })
        .apply(inputs) as tfl.SymbolicTensor;
      h = tfl.layers.dropout({ rate: 0.25 }).apply(h) as tfl.SymbolicTensor;
      h = tfl.layers.dense({ units: 16, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(h) as tfl.SymbolicTensor;
      return tfl.model({ inputs, outputs: h });
    };
    // a bias before the projector's BatchNormalization has zero gradient in exact arithmetic and stays at round-off size
    await expectContrastiveSameAsEager(
      () => createContrastiveModel(backbone(), { algorithm: 'simclr', projectorDim: 16, seed: 2 }),
      () => tf.train.sgd(0.01),
      ['loss'],
    );
  });

  it('ContrastiveModel (SimSiam: stop-gradient, BatchNormalization, activation-std counters) equals eager after 20 steps', async () => {
    // SGD: with Adam, the bias before a BatchNormalization (zero gradient in exact arithmetic) walks
    // by +-lr on the sign of round-off, so any reordering of float sums shows there; SGD keeps it at round-off size
    await expectContrastiveSameAsEager(
      () => createContrastiveModel(mlpBackbone(21), { algorithm: 'simsiam', projectorDim: 16, predictorHiddenDim: 8, seed: 2 }),
      () => tf.train.sgd(0.1),
      ['loss', 'proj_std', 'pred_std'],
    );
  });
});

describe('graph mode on the portable backends', () => {
  const backends = testBackends().filter((b) => b !== 'tensorflow');
  (backends.length ? it : it.skip)(`${backends.join(', ')}: fit trains eagerly, as with graph: false, with no report`, async () => {
    const data = makeClusters(5, 4, 8);
    for (const backend of backends) {
      await tf.setBackend(backend);
      const x = clustersTensor(data);
      const plain = await run(
        () => buildMlp(data.dim),
        () => getLoss('multisim_loss'),
        x,
        data.y,
        { batchSize: 16, epochs: 1, graph: false },
      );
      const byDefault = await run(
        () => buildMlp(data.dim),
        () => getLoss('multisim_loss'),
        x,
        data.y,
        { batchSize: 16, epochs: 1 },
      );
      expect(byDefault.model.graphReport).toBeNull();
      expect(byDefault.losses).toEqual(plain.losses);
      byDefault.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(plain.weights[i]!)));
      plain.model.dispose();
      byDefault.model.dispose();
      x.dispose();
    }
  });
});
