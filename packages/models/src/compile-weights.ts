/**
 * Keras' per-output compile arguments that tfjs-layers lacks: losses and
 * metrics by output name, `loss_weights` and `weighted_metrics`. tfjs-layers
 * sums one loss per output; a weight scales that output's loss before the
 * sum (Keras' total loss), and a callback puts the unweighted per-output
 * losses back into the logs, where Keras reports them unweighted.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ValueError } from '@tfsim/utils';

/** One value per output: a list in output order, or an object by output name. */
export type PerOutput<T> = T[] | Record<string, T>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * An object by output name as a list in output order (undefined where an
 * output is not named); an unknown name is an error naming the outputs.
 */
export function byOutputName<T>(value: Record<string, T>, outputNames: readonly string[], what: string): Array<T | undefined> {
  for (const key of Object.keys(value)) {
    if (!outputNames.includes(key))
      throw new ValueError(
        `${what} names an unknown output '${key}'; the model's outputs are ${outputNames.map((n) => `'${n}'`).join(', ')}`,
      );
  }
  return outputNames.map((name) => value[name]);
}

/** Whether `x` is an object by output name (not a loss or metric object, which carry functions). */
export function isByOutputName(x: unknown): x is Record<string, unknown> {
  return isPlainObject(x) && Object.values(x).every((v) => typeof v !== 'function') && !('metricFunction' in x) && !('lossFunction' in x);
}

/** Keras' `loss_weights`: one finite number per output (default 1 for an output a name object leaves out). */
export function resolveLossWeights(lossWeights: PerOutput<number> | undefined, outputNames: readonly string[]): number[] {
  const n = outputNames.length;
  if (lossWeights === undefined) return new Array<number>(n).fill(1);
  let list: Array<number | undefined>;
  if (Array.isArray(lossWeights)) {
    if (lossWeights.length !== n) throw new ValueError(`lossWeights has ${lossWeights.length} entries but the model has ${n} output(s)`);
    list = lossWeights;
  } else if (isPlainObject(lossWeights)) {
    list = byOutputName(lossWeights, outputNames, 'lossWeights');
  } else {
    throw new ValueError(`lossWeights must be a list with one number per output or an object by output name, got ${String(lossWeights)}`);
  }
  return list.map((w, i) => {
    if (w === undefined) return 1;
    if (typeof w !== 'number' || !Number.isFinite(w))
      throw new ValueError(`lossWeights for output '${outputNames[i]}' must be a finite number, got ${String(w)}`);
    return w;
  });
}

/** `fn` scaled by `weight` (the function itself when the weight is 1). */
export function weightedLoss<F extends (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor>(fn: F, weight: number): F {
  if (weight === 1) return fn;
  const scaled = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.tidy(() => tf.mul(fn(yTrue, yPred), weight));
  Object.defineProperty(scaled, 'name', { value: fn.name });
  return scaled as F;
}

/** `fn` under another name (tfjs-layers names a metric's log entry after its function). */
export function renamed<F extends (...args: never[]) => unknown>(fn: F, name: string): F {
  const wrapper = ((...args: Parameters<F>) => fn(...args)) as F;
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper;
}

/**
 * Divides each output's `<output>_loss` log entry by that output's weight,
 * so the logs hold Keras' unweighted per-output losses next to the weighted
 * total `loss`. Put before every other callback (tfjs-layers' own BaseLogger
 * runs first and averages what it is given, weighted). An output weighted 0
 * logs 0: its unweighted loss is not computed.
 */
export class UnweightOutputLosses extends tfl.Callback {
  constructor(private readonly weights: ReadonlyMap<string, number>) {
    super();
  }

  private fix(logs: Record<string, unknown> | undefined): void {
    if (!logs) return;
    for (const [key, weight] of this.weights) {
      const value = logs[key];
      if (weight === 0 || weight === 1 || value === undefined) continue;
      if (typeof value === 'number') logs[key] = value / weight;
      else if (value instanceof tf.Tensor) {
        logs[key] = tf.keep(tf.div(value, weight));
        value.dispose();
      }
    }
  }

  override async onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    this.fix(logs as Record<string, unknown> | undefined);
  }

  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    this.fix(logs as Record<string, unknown> | undefined);
  }
}
