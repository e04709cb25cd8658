/**
 * The self-supervised hello world (the Python library's
 * unsupervised_hello_world notebook, on MNIST instead of CIFAR-10): a small
 * CNN backbone is trained without labels by a ContrastiveModel (SimCLR by
 * default, or SimSiam) on pairs of randomly cropped, zoomed and shifted views
 * of each digit. Labels are used only to measure it: the k-NN accuracy of
 * held-out queries against a labelled index, through the model's own index,
 * before and after training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SimCLRLoss, SimSiamLoss } from '@tfsim/losses';
import { ContrastiveModel, createContrastiveModel, WarmupCosineDecay } from '@tfsim/models';
import { type AugmenterFn, SingleShotMemorySampler } from '@tfsim/samplers';
import { Rng, ValueError } from '@tfsim/utils';

import { loadMnistDigits } from '../data/mnist';

export type SelfSupervisedAlgorithm = 'simclr' | 'simsiam';

export interface SelfSupervisedOptions {
  /** Default 'simclr'. */
  algorithm?: SelfSupervisedAlgorithm;
  /** Unlabelled training digits per class, at most (those after the index and query digits). Default: all of them (about 800). */
  trainPerClass?: number;
  /** Labelled digits per class in the index. Default 100. */
  indexPerClass?: number;
  /** Held-out query digits per class. Default 100. */
  queryPerClass?: number;
  /** Default 2. */
  epochs?: number;
  /** Batches per epoch. Default 50. */
  stepsPerEpoch?: number;
  /** Digits per batch (each gives two views). Default 128. */
  examplesPerBatch?: number;
  /** Peak learning rate of the warmup-cosine schedule (Adam). Default 2e-3. */
  learningRate?: number;
  /** SimCLR's temperature. Default 0.2. */
  temperature?: number;
  /** Strength of the augmented views. */
  views?: ViewOptions;
  /** Neighbours that vote in the k-NN accuracy. Default 1. */
  k?: number;
  seed?: number;
  /** Progress bar while training; default: when stderr is a terminal. */
  verbose?: boolean;
}

export interface KnnAccuracy {
  /** Untrained backbone and heads (same initial weights). */
  before: number;
  after: number;
}

export interface SelfSupervisedReport {
  algorithm: SelfSupervisedAlgorithm;
  /** The TensorFlow.js backend that ran it. */
  backend: string;
  data: { train: number; index: number; queries: number };
  training: { epochs: number; stepsPerEpoch: number; examplesPerBatch: number; learningRate: number };
  /** Mean loss of each epoch. */
  loss: number[];
  /** k-NN accuracy of the queries through the model's index (Python's predict: the L2-normalised projector output). */
  knn: KnnAccuracy & { k: number };
  /** The same with the backbone's output as embedding (what downstream tasks use). */
  knnBackbone: KnnAccuracy & { k: number };
  seconds: { training: number; total: number };
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The backbone: [conv 3x3 -> relu -> max-pool] x 2 (32, 64 filters) -> flatten -> dense 128 (relu), seeded. */
export function mnistBackbone(seed: number): tfl.LayersModel {
  let s = seed;
  const init = () => tfl.initializers.heNormal({ seed: s++ });
  const input = tfl.input({ shape: [SIDE, SIDE, 1], name: 'digits' });
  let x: tfl.SymbolicTensor = input;
  for (const filters of [32, 64]) {
    x = tfl.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', kernelInitializer: init() }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: 128, activation: 'relu', kernelInitializer: init(), name: 'representation' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'backbone' });
}

/** How strong the views are. */
export interface ViewOptions {
  /** Crop side as a fraction of the image, [min, max]. Default [0.75, 1.05]. */
  cropSide?: [number, number];
  /** Largest shift of the crop centre, as a fraction of the side. Default 0.12. */
  shift?: number;
  /** Probability of erasing a random rectangle (6 to 12 pixels a side). Default 0. */
  eraseProbability?: number;
  /** Standard deviation of the pixel noise. Default 0.05. */
  noise?: number;
}

/**
 * Views of each digit of a batch `[n, 28, 28, 1]`: each an independent
 * random crop, resized back to 28 x 28, with maybe a rectangle erased and a
 * little pixel noise. All randomness from a seeded Rng.
 */
export function cropViewsAugmenter(seed: number, options: ViewOptions = {}): AugmenterFn {
  const rng = new Rng(seed);
  const [minSide, maxSide] = options.cropSide ?? [0.75, 1.05];
  const shift = options.shift ?? 0.12;
  const eraseProbability = options.eraseProbability ?? 0;
  const noise = options.noise ?? 0.05;
  return (x, _y, views) =>
    tf.tidy(() => {
      const n = x.shape[0]!;
      const boxIndices = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
      return Array.from({ length: views }, () => {
        const boxes: number[][] = [];
        const mask = new Float32Array(n * PIXELS).fill(1);
        const jitter = new Float32Array(n * PIXELS);
        for (let i = 0; i < n; i++) {
          const side = rng.uniform(minSide, maxSide);
          const dy = rng.uniform(-shift, shift);
          const dx = rng.uniform(-shift, shift);
          boxes.push([0.5 - side / 2 + dy, 0.5 - side / 2 + dx, 0.5 + side / 2 + dy, 0.5 + side / 2 + dx]);
          if (rng.next() < eraseProbability) {
            const h = 6 + rng.int(7);
            const w = 6 + rng.int(7);
            const top = rng.int(SIDE - h + 1);
            const left = rng.int(SIDE - w + 1);
            for (let r = top; r < top + h; r++) mask.fill(0, i * PIXELS + r * SIDE + left, i * PIXELS + r * SIDE + left + w);
          }
          for (let p = 0; p < PIXELS; p++) jitter[i * PIXELS + p] = rng.normal(0, noise);
        }
        const cropped = tf.image.cropAndResize(x as tf.Tensor4D, tf.tensor2d(boxes), boxIndices, [SIDE, SIDE]);
        const erased = tf.mul(cropped, tf.tensor4d(mask, [n, SIDE, SIDE, 1]));
        return tf.clipByValue(tf.add(erased, tf.tensor4d(jitter, [n, SIDE, SIDE, 1])), 0, 1);
      });
    });
}

interface Split {
  x: tf.Tensor4D;
  labels: number[];
}

/** Per class, in the package's order: the index digits, the query digits, then the training digits. */
function splitMnist(indexPerClass: number, queryPerClass: number, trainPerClass: number): { index: Split; queries: Split; train: Split } {
  const data = loadMnistDigits();
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < data.count; i++) byClass[data.labels[i]!]!.push(i);
  const parts = { index: [] as number[], queries: [] as number[], train: [] as number[] };
  for (const positions of byClass) {
    const held = indexPerClass + queryPerClass;
    if (positions.length <= held) throw new ValueError(`a class has ${positions.length} digits; the index and queries alone take ${held}`);
    parts.index.push(...positions.slice(0, indexPerClass));
    parts.queries.push(...positions.slice(indexPerClass, held));
    parts.train.push(...positions.slice(held, held + trainPerClass));
  }
  const gather = (ids: number[]): Split => {
    const out = new Float32Array(ids.length * PIXELS);
    ids.forEach((j, i) => out.set(data.images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS));
    return { x: tf.tensor4d(out, [ids.length, SIDE, SIDE, 1]), labels: ids.map((j) => data.labels[j]!) };
  };
  return { index: gather(parts.index), queries: gather(parts.queries), train: gather(parts.train) };
}

/** Majority label of the k neighbours (ties: the nearest of the tied labels). */
function vote(labels: number[]): number {
  const counts = new Map<number, number>();
  let best = labels[0]!;
  for (const l of labels) {
    counts.set(l, (counts.get(l) ?? 0) + 1);
    if (counts.get(l)! > counts.get(best)!) best = l;
  }
  return best;
}

/** k-NN accuracy of the queries against the index, through the model's index API. */
async function knnAccuracy(model: ContrastiveModel, index: Split, queries: Split, k: number): Promise<number> {
  model.createIndex({ distance: 'cosine' });
  await model.index(index.x, index.labels, null, { verbose: false });
  const neighbours = await model.lookup(queries.x, k, false);
  let correct = 0;
  neighbours.forEach((n, i) => {
    if (vote(n.map((l) => l.label as number)) === queries.labels[i]) correct++;
  });
  return correct / queries.labels.length;
}

/** Both accuracies: projector (the model's predict) and backbone. */
async function measure(model: ContrastiveModel, backboneView: ContrastiveModel, index: Split, queries: Split, k: number) {
  return { projector: await knnAccuracy(model, index, queries, k), backbone: await knnAccuracy(backboneView, index, queries, k) };
}

export async function runSelfSupervised(options: SelfSupervisedOptions = {}): Promise<SelfSupervisedReport> {
  const start = Date.now();
  const algorithm = options.algorithm ?? 'simclr';
  if (algorithm !== 'simclr' && algorithm !== 'simsiam')
    throw new ValueError(`algorithm must be simclr or simsiam, got ${String(algorithm)}`);
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? 2;
  const stepsPerEpoch = options.stepsPerEpoch ?? 50;
  const examplesPerBatch = options.examplesPerBatch ?? 128;
  const learningRate = options.learningRate ?? 2e-3;
  const k = options.k ?? 1;

  const { index, queries, train } = splitMnist(
    options.indexPerClass ?? 100,
    options.queryPerClass ?? 100,
    options.trainPerClass ?? Infinity,
  );
  const model = createContrastiveModel(mnistBackbone(seed), { algorithm, projectorDim: 128, predictorHiddenDim: 32, seed: seed + 100 });
  const backboneView = createBackboneView(model);
  try {
    const before = await measure(model, backboneView, index, queries, k);

    const sampler = new SingleShotMemorySampler(train.x, {
      examplesPerBatch,
      augmenter: cropViewsAugmenter(seed + 1, options.views),
      stepsPerEpoch,
      seed: seed + 2,
    });
    const loss = algorithm === 'simclr' ? new SimCLRLoss({ temperature: options.temperature ?? 0.2 }) : new SimSiamLoss();
    model.compile({ optimizer: tf.train.adam(learningRate), loss });
    const trainStart = Date.now();
    const history = await model.fit(sampler, {
      epochs,
      learningRateSchedule: new WarmupCosineDecay(
        learningRate,
        epochs * stepsPerEpoch,
        Math.min(50, Math.floor((epochs * stepsPerEpoch) / 10)),
      ),
      verbose: options.verbose,
    });
    const trainSeconds = (Date.now() - trainStart) / 1000;

    const after = await measure(model, backboneView, index, queries, k);
    return {
      algorithm,
      backend: tf.getBackend(),
      data: { train: train.labels.length, index: index.labels.length, queries: queries.labels.length },
      training: { epochs, stepsPerEpoch, examplesPerBatch, learningRate },
      loss: history.history.loss!,
      knn: { k, before: before.projector, after: after.projector },
      knnBackbone: { k, before: before.backbone, after: after.backbone },
      seconds: { training: trainSeconds, total: (Date.now() - start) / 1000 },
    };
  } finally {
    model.dispose();
    tf.dispose([index.x, queries.x, train.x]);
  }
}

/** The same sub-models, embedding with the backbone's output instead of the projector's. */
function createBackboneView(model: ContrastiveModel): ContrastiveModel {
  return new ContrastiveModel({
    backbone: model.backbone,
    projector: model.projector,
    predictor: model.predictor,
    algorithm: model.algorithm,
    embedding: 'backbone',
  });
}
