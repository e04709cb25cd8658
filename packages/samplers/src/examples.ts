/**
 * Where a sampler's examples come from, and how a batch of them becomes one
 * tensor: a tensor to gather rows from, or a list of items (arrays, tensors,
 * file paths) loaded one by one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, createProgress, isTensor, ShapeError, ValueError } from '@tfsim/utils';

/** What a loader may return for one example. */
export type ExampleValue = tf.Tensor | tf.TensorLike;

/** Turns a stored item into an example (e.g. a file path into an image tensor). May be async. */
export type LoadExampleFn<X> = (item: X) => ExampleValue | Promise<ExampleValue>;

/** Examples as a tensor (rows along the first axis) or a list of items. */
export type ExampleData<X> = tf.Tensor | ArrayLike<X>;

export interface LoadOptions {
  /** Show progress under this label when loading (large slices). */
  progressLabel?: string;
}

/** A sampler's examples: `load` makes one tensor `[indices.length, ...]` of the given rows. */
export interface ExampleSource {
  readonly size: number;
  load(indices: readonly number[], options?: LoadOptions): Promise<tf.Tensor>;
  exampleShape(): Promise<number[]>;
  /** Frees tensors the source owns. */
  dispose(): void;
}

/** Number of examples in `x` (rows of a tensor, items of a list). */
export function exampleCount(x: ExampleData<unknown>, name = 'x'): number {
  if (isTensor(x)) {
    if (x.rank < 1) throw new ShapeError(`${name} must have a batch axis, got a scalar`);
    return x.shape[0];
  }
  if (x == null || typeof (x as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(`${name} must be a tensor or an array of examples`);
  }
  return (x as ArrayLike<unknown>).length;
}

/** Rows of a tensor; the tensor stays the caller's unless `owned`. */
export class TensorSource implements ExampleSource {
  constructor(
    readonly x: tf.Tensor,
    private readonly owned = false,
  ) {}

  get size(): number {
    return this.x.shape[0];
  }

  async load(indices: readonly number[]): Promise<tf.Tensor> {
    return tf.tidy(() => tf.gather(this.x, tf.tensor1d(Int32Array.from(indices), 'int32')));
  }

  async exampleShape(): Promise<number[]> {
    return this.x.shape.slice(1);
  }

  dispose(): void {
    if (this.owned && !this.x.isDisposed) this.x.dispose();
  }
}

/** At most `limit` loads in flight; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
  onDone?: () => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
      onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Items of a list, each made into a tensor by `loadExampleFn` (or taken as
 * is: tensors, numbers, (nested) arrays, typed arrays). Tensors the loader
 * returns are the source's to dispose once stacked; tensors stored in the
 * list itself stay the caller's.
 */
export class ArraySource<X> implements ExampleSource {
  constructor(
    readonly items: ArrayLike<X>,
    readonly loadExampleFn?: LoadExampleFn<X>,
    /** Loads in flight at once (file decoding runs on libuv's threads). */
    readonly concurrency = 8,
  ) {
    assertInteger(concurrency, 'concurrency', 1);
  }

  get size(): number {
    return this.items.length;
  }

  private async loadOne(index: number): Promise<{ tensor: tf.Tensor; owned: boolean }> {
    const item = this.items[index] as X;
    const value = this.loadExampleFn ? await this.loadExampleFn(item) : (item as unknown as ExampleValue);
    if (isTensor(value)) return { tensor: value, owned: this.loadExampleFn !== undefined };
    try {
      return { tensor: tf.tensor(value as tf.TensorLike), owned: true };
    } catch (err) {
      throw new ValueError(`example ${index} cannot be made into a tensor: ${(err as Error).message}`, { cause: err });
    }
  }

  async load(indices: readonly number[], options: LoadOptions = {}): Promise<tf.Tensor> {
    const progress = options.progressLabel ? createProgress({ label: options.progressLabel, total: indices.length }) : undefined;
    const loaded = await mapLimit(
      indices,
      this.concurrency,
      (index) => this.loadOne(index),
      () => progress?.tick(),
    );
    progress?.done();
    try {
      const shape = loaded[0]?.tensor.shape ?? [];
      loaded.forEach(({ tensor }, i) => {
        if (tensor.shape.length !== shape.length || tensor.shape.some((d, k) => d !== shape[k])) {
          throw new ShapeError(
            `examples must all have one shape: example ${indices[0]} has [${shape.join(', ')}], example ${indices[i]} has [${tensor.shape.join(', ')}]`,
          );
        }
      });
      if (loaded.length === 0) return tf.tensor([], [0]);
      return tf.stack(loaded.map((l) => l.tensor));
    } finally {
      for (const l of loaded) if (l.owned) l.tensor.dispose();
    }
  }

  async exampleShape(): Promise<number[]> {
    if (this.items.length === 0) return [];
    const { tensor, owned } = await this.loadOne(0);
    const shape = tensor.shape.slice();
    if (owned) tensor.dispose();
    return shape;
  }

  dispose(): void {}
}

/** The source for `x`: a tensor to gather from, or a list of items. */
export function toSource<X>(x: ExampleData<X>, loadExampleFn?: LoadExampleFn<X>): ExampleSource {
  if (isTensor(x) && !loadExampleFn) return new TensorSource(x);
  if (isTensor(x)) throw new ValueError('loadExampleFn needs x as a list of items, not a tensor');
  return new ArraySource(x as ArrayLike<X>, loadExampleFn);
}
