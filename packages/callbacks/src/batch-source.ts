/**
 * Reading a bounded number of `{xs, ys}` batches from a tfjs-data Dataset or
 * a @tfsim sampler into one tensor of examples and one array of labels: what
 * EvalCallback needs to evaluate on data that comes as a dataset (the Python
 * library's issue #293). Both are duck-typed, so callbacks depends on neither
 * tfjs-data nor @tfsim/samplers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, checkOptions, type OptionKeys, ShapeError, toLabels, ValueError } from '@tfsim/utils';

/** One batch as a sampler yields it and `model.fitDataset` reads it. */
export interface LabeledBatch {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/** A tfjs-data `Dataset` (anything with `iterator()` whose `next()` resolves to `{ value, done }`). */
export interface DatasetLike<T> {
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/** A tfjs-data Dataset of `{xs, ys}` batches, or a sampler (any async iterable of them). */
export type BatchStream = DatasetLike<LabeledBatch> | AsyncIterable<LabeledBatch>;

/** Where evaluation examples come from, and how many to take (at least one bound). */
export interface BatchSourceOptions {
  /** The batches. */
  from: BatchStream;
  /** Read at most this many batches. */
  batches?: number;
  /** Keep at most this many examples (the last batch read is cut to fit). */
  examples?: number;
}

const SOURCE_KEYS: OptionKeys<BatchSourceOptions> = { from: true, batches: true, examples: true };

/** Examples and their labels read from a stream; the caller owns `x`. */
export interface CollectedBatches {
  x: tf.Tensor;
  labels: number[];
}

function isDatasetLike(s: unknown): s is DatasetLike<LabeledBatch> {
  return typeof (s as { iterator?: unknown }).iterator === 'function';
}

function isAsyncIterable(s: unknown): s is AsyncIterable<LabeledBatch> {
  return typeof (s as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** Yields the stream's batches; stopping early closes an async iterator (a sampler does not count the epoch). */
async function* batchesOf(stream: BatchStream): AsyncGenerator<LabeledBatch> {
  if (isAsyncIterable(stream)) {
    yield* stream;
    return;
  }
  const it = await stream.iterator();
  for (;;) {
    const { value, done } = await it.next();
    if (done) return;
    yield value;
  }
}

/**
 * Reads batches until `batches` batches or `examples` examples are read (or
 * the stream ends) and concatenates them. Every batch read is disposed; the
 * returned `x` belongs to the caller.
 */
export async function collectBatches(source: BatchSourceOptions, what = 'source'): Promise<CollectedBatches> {
  if (source == null || typeof source !== 'object') throw new ValueError(`${what} must be { from, batches?, examples? }`);
  checkOptions(source, SOURCE_KEYS, what);
  const stream = source.from;
  if (stream == null || (!isDatasetLike(stream) && !isAsyncIterable(stream))) {
    throw new ValueError(`${what}.from must be a tfjs-data Dataset or a sampler (an async iterable) of {xs, ys} batches`);
  }
  if (source.batches === undefined && source.examples === undefined) {
    throw new ValueError(`${what} needs a bound: give batches or examples (a sampler or a repeated dataset never ends)`);
  }
  if (source.batches !== undefined) assertInteger(source.batches, `${what}.batches`, 1);
  if (source.examples !== undefined) assertInteger(source.examples, `${what}.examples`, 1);
  const maxBatches = source.batches ?? Number.POSITIVE_INFINITY;
  const maxExamples = source.examples ?? Number.POSITIVE_INFINITY;

  const parts: tf.Tensor[] = [];
  const labels: number[] = [];
  try {
    let read = 0;
    for await (const batch of batchesOf(stream)) {
      read += 1;
      try {
        const { xs, ys } = (batch ?? {}) as Partial<LabeledBatch>;
        if (!(xs instanceof tf.Tensor) || !(ys instanceof tf.Tensor)) {
          throw new ValueError(`${what}: batch ${read - 1} is not {xs, ys} of tensors`);
        }
        if (ys.rank !== 1 || xs.rank < 1 || xs.shape[0] !== ys.shape[0]) {
          throw new ShapeError(
            `${what}: batch ${read - 1} has xs of shape [${xs.shape.join(', ')}] and ys of shape [${ys.shape.join(', ')}]; expected [n, ...] and [n] (class ids)`,
          );
        }
        if (parts.length > 0 && !tf.util.arraysEqual(xs.shape.slice(1), parts[0]!.shape.slice(1))) {
          throw new ShapeError(
            `${what}: batch ${read - 1} has examples of shape [${xs.shape.slice(1).join(', ')}], earlier batches [${parts[0]!.shape.slice(1).join(', ')}]`,
          );
        }
        const take = Math.min(xs.shape[0]!, maxExamples - labels.length);
        const batchLabels = toLabels(await ys.data(), { name: `${what} ys`, op: 'EvalCallback.fromDatasets' });
        labels.push(...Array.from(batchLabels).slice(0, take));
        parts.push(take === xs.shape[0] ? xs.clone() : tf.slice(xs, 0, take));
      } finally {
        tf.dispose([batch?.xs, batch?.ys].filter((t): t is tf.Tensor => t instanceof tf.Tensor));
      }
      if (read >= maxBatches || labels.length >= maxExamples) break;
    }
    if (labels.length === 0) throw new ShapeError(`${what} yielded no examples`);
    const x = parts.length === 1 ? parts[0]!.clone() : tf.concat(parts, 0);
    return { x, labels };
  } finally {
    tf.dispose(parts);
  }
}
