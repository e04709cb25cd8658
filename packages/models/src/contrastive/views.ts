/**
 * Where the pairs of augmented views of a contrastive training run come
 * from, duck-typed so that @tfsim/models does not depend on @tfsim/samplers:
 *
 * - a sampler (e.g. SingleShotMemorySampler with an augmenter): each batch
 *   `xs` stacks view 1 of every example, then view 2;
 * - a tensor of examples and an augmenter (e.g. ContrastiveAugmenter), which
 *   makes two views of each batch;
 * - a pair `[view1, view2]` of tensors of already augmented views.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, isTensor, Rng, ShapeError, ValueError } from '@tfsim/utils';

/** A batch from a sampler: `xs` stacks the views along the batch axis. */
export interface ViewSamplerBatch {
  xs: tf.Tensor;
  ys?: tf.Tensor;
}

/** What the training loop needs of a sampler (the shape of @tfsim/samplers' Sampler). */
export interface ViewSampler {
  generateBatch(batchId: number): Promise<ViewSamplerBatch>;
  /** Batches in one epoch. */
  readonly stepsPerEpoch: number;
  /** Views per example stacked in `xs`; must be 2. */
  readonly numAugmentationsPerExample?: number;
  onEpochEnd?(): void;
}

/** An augmenter: returns `numAugmentationsPerExample` views of the batch `x`, each with x's rows in order. */
export type ViewAugmenterFn = (
  x: tf.Tensor,
  y: tf.Tensor | undefined,
  numAugmentationsPerExample: number,
  isWarmup: boolean,
) => tf.Tensor[];
export interface ViewAugmenterObject {
  augment(x: tf.Tensor, y?: tf.Tensor, numAugmentationsPerExample?: number, isWarmup?: boolean): tf.Tensor[];
}
export type ViewAugmenter = ViewAugmenterObject | ViewAugmenterFn;

/** Training data of a ContrastiveModel: a sampler, a pair of view tensors, or a tensor of examples (with an augmenter). */
export type ContrastiveData = ViewSampler | readonly [tf.Tensor, tf.Tensor] | tf.Tensor;

/** Options of the view source. */
export interface ViewSourceOptions {
  /** Rows per batch for tensor data. Default 32 (Keras). */
  batchSize?: number;
  /** Batches per epoch; default: the sampler's stepsPerEpoch, or one pass over tensor data. */
  steps?: number;
  /** Reshuffle tensor data every pass. Default true for training, false for evaluation. */
  shuffle?: boolean;
  /** Makes the two views of tensor data (required with a tensor of examples, ignored otherwise). */
  augmenter?: ViewAugmenter;
  /** Seed of the shuffling. Default: time. */
  seed?: number;
}

/** One step's views; `dispose()` frees what the source made. */
export interface ViewBatch {
  view1: tf.Tensor;
  view2: tf.Tensor;
  dispose(): void;
}

/** A source of view batches: `steps` batches per epoch. */
export interface ViewSource {
  readonly steps: number;
  next(step: number): Promise<ViewBatch>;
  endEpoch(): void;
}

function isViewSampler(data: unknown): data is ViewSampler {
  return typeof data === 'object' && data !== null && typeof (data as ViewSampler).generateBatch === 'function';
}

/** Splits a sampler batch (view 1 rows, then view 2 rows) into its two views. */
export function splitViews(xs: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (xs.rank < 1 || xs.shape[0]! % 2 !== 0 || xs.shape[0] === 0) {
    throw new ShapeError(
      `a sampler batch stacks two views of each example, so it needs an even, non-zero number of rows; got shape [${xs.shape.join(', ')}]`,
    );
  }
  const [a, b] = tf.split(xs, 2, 0);
  return [a!, b!];
}

function runAugmenter(augmenter: ViewAugmenter, x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const views = typeof augmenter === 'function' ? augmenter(x, undefined, 2, false) : augmenter.augment(x, undefined, 2, false);
  if (!Array.isArray(views) || views.length !== 2 || !views.every(isTensor)) {
    throw new ValueError(
      `the augmenter must return two views (tensors), got ${Array.isArray(views) ? `${views.length} item(s)` : typeof views}`,
    );
  }
  return [views[0]!, views[1]!];
}

/** Batches of row indices over `n` rows, reshuffled each pass when `shuffle`. */
class RowBatches {
  private order: number[] = [];
  private position = 0;

  constructor(
    private readonly n: number,
    private readonly batchSize: number,
    private readonly shuffle: boolean,
    private readonly rng: Rng,
  ) {}

  next(): number[] {
    if (this.position >= this.order.length) {
      this.order = Array.from({ length: this.n }, (_, i) => i);
      if (this.shuffle) this.rng.shuffle(this.order);
      this.position = 0;
    }
    const rows = this.order.slice(this.position, this.position + this.batchSize);
    this.position += rows.length;
    return rows;
  }
}

function gatherRows(x: tf.Tensor, rows: number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32')));
}

/** Turns training or evaluation data into a source of view batches; checks it first. */
export function viewSource(data: ContrastiveData, options: ViewSourceOptions, defaultShuffle: boolean): ViewSource {
  if (options.steps !== undefined) assertInteger(options.steps, 'steps', 1);
  if (isViewSampler(data)) {
    const views = data.numAugmentationsPerExample ?? 2;
    if (views !== 2) {
      throw new ValueError(`a contrastive model trains on two views per example; the sampler makes ${views} (numAugmentationsPerExample)`);
    }
    const steps = options.steps ?? data.stepsPerEpoch;
    assertInteger(steps, "the sampler's stepsPerEpoch", 1);
    return {
      steps,
      async next(step: number): Promise<ViewBatch> {
        const batch = await data.generateBatch(step);
        let pair: [tf.Tensor, tf.Tensor];
        try {
          pair = splitViews(batch.xs);
        } finally {
          batch.xs.dispose();
          batch.ys?.dispose();
        }
        return { view1: pair[0], view2: pair[1], dispose: () => tf.dispose(pair) };
      },
      endEpoch: () => data.onEpochEnd?.(),
    };
  }

  const batchSize = options.batchSize ?? 32;
  assertInteger(batchSize, 'batchSize', 1);
  const rng = new Rng(options.seed);
  const shuffle = options.shuffle ?? defaultShuffle;

  if (Array.isArray(data)) {
    const pair = data as readonly unknown[];
    if (pair.length !== 2 || !isTensor(pair[0]) || !isTensor(pair[1])) {
      throw new ValueError('views must be a pair [view1, view2] of tensors');
    }
    const [a, b] = pair as [tf.Tensor, tf.Tensor];
    checkSameShape(a, b);
    if (a.rank < 2 || a.shape[0] === 0) throw new ShapeError(`views must be a non-empty batch [n, ...], got shape [${a.shape.join(', ')}]`);
    const rows = new RowBatches(a.shape[0]!, batchSize, shuffle, rng);
    return {
      steps: options.steps ?? Math.ceil(a.shape[0]! / batchSize),
      async next(): Promise<ViewBatch> {
        const ids = rows.next();
        const view1 = gatherRows(a, ids);
        const view2 = gatherRows(b, ids);
        return { view1, view2, dispose: () => tf.dispose([view1, view2]) };
      },
      endEpoch: () => undefined,
    };
  }

  if (isTensor(data)) {
    const augmenter = options.augmenter;
    if (!augmenter || (typeof augmenter !== 'function' && typeof augmenter.augment !== 'function')) {
      throw new ValueError(
        'training on a tensor of examples needs an augmenter (options.augmenter) to make the two views; or pass [view1, view2] or a sampler',
      );
    }
    if (data.rank < 2 || data.shape[0] === 0)
      throw new ShapeError(`x must be a non-empty batch [n, ...], got shape [${data.shape.join(', ')}]`);
    const rows = new RowBatches(data.shape[0]!, batchSize, shuffle, rng);
    return {
      steps: options.steps ?? Math.ceil(data.shape[0]! / batchSize),
      async next(): Promise<ViewBatch> {
        const batch = gatherRows(data, rows.next());
        let pair: [tf.Tensor, tf.Tensor] | undefined;
        try {
          pair = runAugmenter(augmenter, batch);
        } finally {
          // An augmenter may hand the batch back as a view (identity).
          if (!pair || !pair.includes(batch)) batch.dispose();
        }
        return { view1: pair[0], view2: pair[1], dispose: () => tf.dispose(pair) };
      },
      endEpoch: () => undefined,
    };
  }
  throw new ValueError(
    'contrastive data must be a sampler (generateBatch), a pair [view1, view2] of tensors, or a tensor of examples with an augmenter',
  );
}

/** The two views must have the same shape. */
export function checkSameShape(view1: tf.Tensor, view2: tf.Tensor): void {
  if (view1.rank !== view2.rank || view1.shape.some((d, i) => d !== view2.shape[i])) {
    throw new ShapeError(`the two views must have the same shape, got [${view1.shape.join(', ')}] and [${view2.shape.join(', ')}]`);
  }
}
