import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import type { AugmenterLike } from './augmenters/augmenter';
import { exampleCount, type ExampleData, type ExampleSource, type LoadExampleFn, toSource } from './examples';
import { type Batch, type RawBatch, Sampler, SAMPLER_OPTION_KEYS, type SamplerOptions } from './sampler';
import { indexByClass, readLabels, resolveClassList, sampleDistinct, selectPositions } from './select';

export interface MultiShotMemorySamplerOptions<X> extends SamplerOptions {
  /**
   * Turns an item of `x` into an example (a file path into an image, ...),
   * possibly async. A tensor it returns must be new: the sampler disposes it
   * once batched. Default: the item itself (tensors in `x` stay yours).
   */
  loadExampleFn?: LoadExampleFn<X>;
  /** Distinct classes in each batch. Default 2. */
  classesPerBatch?: number;
  /** Examples of each class in each batch. Default 2. */
  examplesPerClassPerBatch?: number;
  /** Keep only these classes. Default: every class in `y`. */
  classList?: readonly number[];
  /** Keep this many examples of each class (drawn at random). Default: all. */
  totalExamplesPerClass?: number;
}

function smallClassMessage(label: number, have: number, want: number): string {
  return (
    `Class ${label} only has ${have} unique examples, but examplesPerClassPerBatch is set to ${want}. ` +
    'The current batch will sample from class examples with replacement, but you may want to consider ' +
    'passing an Augmenter function or using the SingleShotMemorySampler().'
  );
}

/** Checks a slice request against `n` examples; returns [start, end). */
function sliceBounds(begin: number, size: number, n: number): [number, number] {
  assertInteger(begin, 'begin', 0);
  assertInteger(size, 'size', -1);
  if (begin > n) throw new ValueError(`begin (${begin}) is past the last example (${n} examples)`);
  return [begin, size === -1 ? n : Math.min(n, begin + size)];
}

/**
 * Class-balanced batches from examples held in memory (the Python library's
 * `MultiShotMemorySampler`): every batch holds exactly `classesPerBatch`
 * distinct classes, drawn at random, with `examplesPerClassPerBatch`
 * examples each, drawn without replacement (with replacement, and a warning
 * once, for a class that has fewer). Rows are grouped by class.
 *
 * `x` is a tensor (rows along its first axis) or a list of items; with
 * `loadExampleFn`, items are loaded when a batch needs them.
 */
export class MultiShotMemorySampler<X = unknown> extends Sampler {
  static override readonly optionKeys: OptionKeys<MultiShotMemorySamplerOptions<unknown>> = {
    ...SAMPLER_OPTION_KEYS,
    loadExampleFn: true,
    classesPerBatch: true,
    examplesPerClassPerBatch: true,
    classList: true,
    totalExamplesPerClass: true,
  };
  /** The classes sampled from, ascending. */
  readonly classList: number[];
  protected readonly source: ExampleSource;
  protected readonly labels: number[];
  /** Kept examples (positions in `x`), shuffled, as Python's `_x` after `select_examples`. */
  protected readonly positions: number[];
  /** Class -> indexes into `positions`. */
  protected readonly indexPerClass: Map<number, number[]>;
  private readonly warned = new Set<string | number>();

  constructor(x: ExampleData<X>, y: tf.Tensor | ArrayLike<number>, options: MultiShotMemorySamplerOptions<X> = {}) {
    super(options.classesPerBatch ?? 2, options.examplesPerClassPerBatch ?? 2, 1, options);
    const n = exampleCount(x);
    this.labels = readLabels(y);
    if (n !== this.labels.length) throw new ShapeError(`x and y must have the same length, got ${n} and ${this.labels.length}`);
    if (n === 0) throw new ValueError('x and y are empty: a sampler needs at least one example');
    this.classList = resolveClassList(options.classList, new Set(this.labels));
    if (this.classesPerBatch > this.classList.length) {
      throw new ValueError(
        `classesPerBatch (${this.classesPerBatch}) must be <= the number of classes to sample from (${this.classList.length})`,
      );
    }
    const { positions, withReplacement } = selectPositions(this.labels, this.classList, {
      numExamplesPerClass: options.totalExamplesPerClass,
      rng: this.rng,
    });
    for (const c of withReplacement) {
      this.warnOnce(
        this.warned,
        `total-${c}`,
        `Class ${c} has fewer than totalExamplesPerClass (${options.totalExamplesPerClass}) examples: they were selected with replacement.`,
      );
    }
    this.positions = positions;
    this.indexPerClass = indexByClass(this.labels, positions);
    this.source = toSource(x, options.loadExampleFn);
  }

  protected async getExamples(_batchId: number, numClasses: number, examplesPerClass: number): Promise<RawBatch> {
    const classes = this.rng.sample(this.classList.length, numClasses).map((i) => this.classList[i]!);
    const rows: number[] = [];
    const labels: number[] = [];
    for (const c of classes) {
      const members = this.indexPerClass.get(c)!;
      let picks: number[];
      if (members.length < examplesPerClass) {
        this.warnOnce(this.warned, c, smallClassMessage(c, members.length, examplesPerClass));
        picks = this.rng.sampleWithReplacement(members.length, examplesPerClass);
      } else {
        picks = this.rng.sample(members.length, examplesPerClass);
      }
      for (const p of picks) {
        rows.push(this.positions[members[p]!]!);
        labels.push(c);
      }
    }
    return { x: await this.source.load(rows), labels };
  }

  /**
   * Examples `begin` to `begin + size` of the kept (shuffled) examples, not
   * augmented; `size` -1 means to the end. (Python's default size of -1
   * dropped the last example.)
   */
  async getSlice(begin = 0, size = -1): Promise<Batch> {
    const [start, end] = sliceBounds(begin, size, this.positions.length);
    const rows = this.positions.slice(start, end);
    const x = await this.source.load(rows, { progressLabel: rows.length > 1 ? 'loading examples' : undefined });
    return {
      xs: x,
      ys: tf.tensor1d(
        rows.map((r) => this.labels[r]!),
        'int32',
      ),
    };
  }

  /** Number of kept examples. */
  get numExamples(): number {
    return this.positions.length;
  }

  /** Shape of one example (loads one when `x` holds items to load). */
  exampleShape(): Promise<number[]> {
    return this.source.exampleShape();
  }
}

export interface SingleShotMemorySamplerOptions<X> extends SamplerOptions {
  /** Makes the views; required (each example is its own class). */
  augmenter: AugmenterLike;
  /** Examples drawn per batch, each its own class. */
  examplesPerBatch: number;
  /** Views of each example in a batch. Default 2. */
  numAugmentationsPerExample?: number;
  loadExampleFn?: LoadExampleFn<X>;
}

/**
 * Self-supervised batches (the Python library's `SingleShotMemorySampler`):
 * `examplesPerBatch` distinct examples, each its own class (its index), and
 * `numAugmentationsPerExample` augmented views of each. `xs` stacks the
 * views (view 0 of every example, then view 1, ...), `ys` the example
 * indexes repeated per view, so each batch is balanced: examplesPerBatch
 * classes x numAugmentationsPerExample examples.
 *
 * (Python drew the examples with replacement, so a batch could hold one
 * example twice; here they are distinct.)
 */
export class SingleShotMemorySampler<X = unknown> extends Sampler {
  static override readonly optionKeys: OptionKeys<SingleShotMemorySamplerOptions<unknown>> = {
    ...SAMPLER_OPTION_KEYS,
    augmenter: true,
    examplesPerBatch: true,
    numAugmentationsPerExample: true,
    loadExampleFn: true,
  };
  protected readonly source: ExampleSource;

  constructor(x: ExampleData<X>, options: SingleShotMemorySamplerOptions<X>) {
    if (!options || !options.augmenter)
      throw new ValueError('SingleShotMemorySampler needs an augmenter: it makes the views of each example');
    if (options.examplesPerBatch === undefined) throw new ValueError('SingleShotMemorySampler needs examplesPerBatch');
    super(options.examplesPerBatch, 1, options.numAugmentationsPerExample ?? 2, options);
    const n = exampleCount(x);
    if (n === 0) throw new ValueError('x is empty: a sampler needs at least one example');
    if (this.classesPerBatch > n) {
      throw new ValueError(
        `examplesPerBatch (${this.classesPerBatch}) must be <= the number of examples (${n}): each example is its own class`,
      );
    }
    this.source = toSource(x, options.loadExampleFn);
  }

  protected async getExamples(_batchId: number, numClasses: number): Promise<RawBatch> {
    const ids = sampleDistinct(this.rng, this.source.size, numClasses);
    return { x: await this.source.load(ids), labels: ids };
  }

  /** Views of examples `begin` to `begin + size` (-1: to the end), stacked as in a batch. */
  async getSlice(begin = 0, size = -1): Promise<Batch> {
    const [start, end] = sliceBounds(begin, size, this.source.size);
    const ids = Array.from({ length: end - start }, (_, i) => start + i);
    const x = await this.source.load(ids, { progressLabel: ids.length > 1 ? 'loading examples' : undefined });
    return this.finishBatch({ x, labels: ids });
  }

  get numExamples(): number {
    return this.source.size;
  }

  exampleShape(): Promise<number[]> {
    return this.source.exampleShape();
  }
}
