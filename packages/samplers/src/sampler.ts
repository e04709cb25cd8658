import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { assertInteger, checkOptions, type OptionKeys, Rng, ShapeError, StateError } from '@tfsim/utils';

import { type AugmenterLike, runAugmenter } from './augmenters/augmenter';

/** One batch: `xs` of shape `[rows, ...exampleShape]`, `ys` the int32 class ids. */
export type Batch = {
  xs: tf.Tensor;
  ys: tf.Tensor1D;
};

/** Options every sampler takes. */
export interface SamplerOptions {
  /** Batches per epoch: what one pass of the iterator or of `toDataset()` yields. Default 1000. */
  stepsPerEpoch?: number;
  /**
   * Applied to every batch: gets the batch and returns
   * `numAugmentationsPerExample` views of it, which are stacked into the batch
   * (labels repeated per view). Default none.
   */
  augmenter?: AugmenterLike;
  /**
   * Epochs during which `isWarmup` is true and is passed to the augmenter.
   * Default 0 (the Python library's docstring; its code's -1 made the first
   * epoch a warmup epoch by accident).
   */
  warmup?: number;
  /** Seed of the sampler's random draws. Same seed, same batches, on every backend. Default: time. */
  seed?: number;
}

/** Examples chosen for one batch, before augmentation: rows of `x`, class ids in `labels`. */
export interface RawBatch {
  x: tf.Tensor;
  labels: readonly number[];
}

/**
 * Base of every sampler: a source of class-balanced batches that can be
 * iterated by hand (`for await (const { xs, ys } of sampler)`, one epoch per
 * loop) or fed to `model.fitDataset(sampler.toDataset(), { epochs })`.
 *
 * Batches are made one at a time, in call order, from the sampler's own
 * seeded `Rng`: never from a backend's random ops, so a seed gives the same
 * batches on cpu, wasm and native TensorFlow.
 */
/** The option keys every sampler takes; each sampler class declares its own on top (`optionKeys`). */
export const SAMPLER_OPTION_KEYS: OptionKeys<SamplerOptions> = { stepsPerEpoch: true, augmenter: true, warmup: true, seed: true };

export abstract class Sampler {
  static readonly optionKeys: Readonly<Record<string, true>> = SAMPLER_OPTION_KEYS;
  readonly classesPerBatch: number;
  readonly examplesPerClassPerBatch: number;
  readonly numAugmentationsPerExample: number;
  readonly stepsPerEpoch: number;
  readonly augmenter: AugmenterLike | undefined;
  readonly warmup: number;
  /** Epochs completed so far. */
  epoch = 0;
  /** True during the first `warmup` epochs. */
  isWarmup: boolean;
  protected readonly rng: Rng;
  private batchChain: Promise<unknown> = Promise.resolve();

  protected constructor(
    classesPerBatch: number,
    examplesPerClassPerBatch: number,
    numAugmentationsPerExample: number,
    options: SamplerOptions,
  ) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    assertInteger(classesPerBatch, 'classesPerBatch', 1);
    assertInteger(examplesPerClassPerBatch, 'examplesPerClassPerBatch', 1);
    assertInteger(numAugmentationsPerExample, 'numAugmentationsPerExample', 1);
    this.classesPerBatch = classesPerBatch;
    this.examplesPerClassPerBatch = examplesPerClassPerBatch;
    this.numAugmentationsPerExample = numAugmentationsPerExample;
    this.stepsPerEpoch = options.stepsPerEpoch ?? 1000;
    assertInteger(this.stepsPerEpoch, 'stepsPerEpoch', 1);
    this.augmenter = options.augmenter;
    this.warmup = options.warmup ?? 0;
    assertInteger(this.warmup, 'warmup', Number.NEGATIVE_INFINITY);
    this.isWarmup = this.warmup > 0;
    this.rng = new Rng(options.seed);
  }

  /** Rows in a batch: classes x examples per class x augmented views per example. */
  get batchSize(): number {
    const views = this.augmenter ? this.numAugmentationsPerExample : 1;
    return this.classesPerBatch * this.examplesPerClassPerBatch * views;
  }

  /** Batches per epoch (Python's `len(sampler)`). */
  get length(): number {
    return this.stepsPerEpoch;
  }

  /**
   * Picks the examples of one batch: `numClasses` classes with
   * `examplesPerClass` examples each, grouped by class. Null when a finite
   * stream has run out.
   */
  protected abstract getExamples(batchId: number, numClasses: number, examplesPerClass: number): Promise<RawBatch | null>;

  /** Counts the epoch and ends the warmup when its epochs are done (Keras' `on_epoch_end`). */
  onEpochEnd(): void {
    this.epoch += 1;
    if (this.isWarmup && this.epoch >= this.warmup) this.isWarmup = false;
  }

  /**
   * One batch. Calls are served one at a time in call order, so concurrent
   * callers (a prefetching dataset) still see the seeded sequence. The caller
   * owns the returned tensors.
   */
  async generateBatch(batchId = 0): Promise<Batch> {
    const batch = await this.nextBatch(batchId);
    if (!batch) throw new StateError('the sampler has no more batches: its finite stream has ended');
    return batch;
  }

  /** Like `generateBatch`, but null (instead of an error) at the end of a finite stream. */
  protected nextBatch(batchId: number): Promise<Batch | null> {
    const run = this.batchChain.then(async () => {
      const raw = await this.getExamples(batchId, this.classesPerBatch, this.examplesPerClassPerBatch);
      return raw ? this.finishBatch(raw) : null;
    });
    this.batchChain = run.catch(() => undefined);
    return run;
  }

  /** Applies the augmenter (if any) and builds the `{xs, ys}` batch; takes ownership of `raw.x`. */
  protected finishBatch(raw: RawBatch, isWarmup = this.isWarmup): Batch {
    const rows = raw.x.shape[0];
    if (rows !== raw.labels.length) {
      raw.x.dispose();
      throw new ShapeError(`a batch has ${rows} examples but ${raw.labels.length} labels`);
    }
    if (!this.augmenter) return { xs: raw.x, ys: tf.tensor1d(Array.from(raw.labels), 'int32') };
    try {
      return runAugmenter(this.augmenter, raw.x, raw.labels, this.numAugmentationsPerExample, isWarmup);
    } finally {
      raw.x.dispose();
    }
  }

  /** Warns once per message key (a class sampled with replacement, ...). */
  protected warnOnce(seen: Set<string | number>, key: string | number, message: string): void {
    if (seen.has(key)) return;
    seen.add(key);
    console.warn(`WARNING: ${message}`);
  }

  /** One epoch of batches, then `onEpochEnd()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    for (let step = 0; step < this.stepsPerEpoch; step++) {
      const batch = await this.nextBatch(step);
      if (!batch) return;
      yield batch;
    }
    this.onEpochEnd();
  }

  /**
   * A tfjs-data dataset of `{xs, ys}` batches for `model.fitDataset`. Each
   * iteration over it (fitDataset starts one per epoch) is one epoch of
   * `stepsPerEpoch` batches; pass `epochs`, not `batchesPerEpoch`. The model
   * disposes the batches it trains on.
   */
  toDataset(): tfd.Dataset<Batch> {
    const epochIterator = () => this[Symbol.asyncIterator]();
    // tfjs-data accepts async iterators at run time; its typing only names sync ones.
    return tfd.generator(epochIterator as unknown as () => Iterator<Batch>);
  }
}
