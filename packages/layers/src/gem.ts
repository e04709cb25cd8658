import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import { type Kwargs, LAYER_KEYS, type LayerArgs, type Shape, singleShape, singleTensor, type Tensor } from './tfjs';

export type DataFormat = 'channelsLast' | 'channelsFirst';

/** `p` as a config value: a finite number, or `'inf'` / `'-inf'` (JSON has no Infinity). */
export type PowerConfig = number | 'inf' | '-inf';

export interface GeneralizedMeanPoolingArgs extends LayerArgs {
  /**
   * The power of the mean (default 3). 1 is the arithmetic mean, 0 the
   * geometric mean, `Infinity` the maximum and `-Infinity` the minimum. Large
   * finite powers overflow float32: use `Infinity` beyond about 25.
   */
  p?: number | 'inf' | '-inf';
  /** `'channelsLast'` (default) or `'channelsFirst'`; the Python spellings `'channels_last'` / `'channels_first'` are accepted. */
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** Keep the pooled axes with length 1 (default false). */
  keepdims?: boolean;
}

/** Below this |p| the mean is the geometric one, as in the Python library. */
const GEOMETRIC_THRESHOLD = 1e-5;

function parsePower(p: unknown): number {
  if (p === undefined || p === null) return 3;
  if (typeof p === 'string') {
    const key = p.trim().toLowerCase();
    if (key === 'inf' || key === '+inf' || key === 'infinity') return Infinity;
    if (key === '-inf' || key === '-infinity') return -Infinity;
    throw new ValueError(`GeneralizedMeanPooling: p must be a number, 'inf' or '-inf', got '${p}'`);
  }
  if (typeof p !== 'number' || Number.isNaN(p)) {
    throw new ValueError(`GeneralizedMeanPooling: p must be a number, 'inf' or '-inf', got ${String(p)}`);
  }
  return p;
}

function parseDataFormat(value: unknown): DataFormat {
  if (value === undefined || value === null) return 'channelsLast';
  const key = String(value).replace(/_/g, '').toLowerCase();
  if (key === 'channelslast') return 'channelsLast';
  if (key === 'channelsfirst') return 'channelsFirst';
  throw new ValueError(
    `GeneralizedMeanPooling: dataFormat must be 'channelsLast' or 'channelsFirst' (or 'channels_last' / 'channels_first'), got '${String(value)}'`,
  );
}

/**
 * Generalized-mean (GeM) pooling over the spatial axes:
 * `(mean(x^p))^(1/p)` per channel. Like the Python library, the values are
 * first shifted so that each channel's minimum is 1 (GeM is only defined on
 * positive values) and shifted back afterwards.
 */
export abstract class GeneralizedMeanPooling extends layers.Layer {
  static readonly optionKeys: OptionKeys<GeneralizedMeanPoolingArgs> = { ...LAYER_KEYS, p: true, dataFormat: true, keepdims: true };
  readonly p: number;
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(args: GeneralizedMeanPoolingArgs = {}) {
    checkOptions(args, new.target.optionKeys, new.target.name);
    super(args);
    this.p = parsePower(args.p);
    this.dataFormat = parseDataFormat(args.dataFormat);
    this.keepdims = args.keepdims ?? false;
  }

  /** Rank of the input, batch included. */
  protected abstract get inputRank(): number;

  /** The pooled axes for this data format. */
  private get spatialAxes(): number[] {
    const spatial = this.inputRank - 2;
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    return Array.from({ length: spatial }, (_, i) => first + i);
  }

  private checkRank(rank: number): void {
    if (rank !== this.inputRank) {
      const layout =
        this.inputRank === 3
          ? this.dataFormat === 'channelsLast'
            ? '[batch, steps, channels]'
            : '[batch, channels, steps]'
          : this.dataFormat === 'channelsLast'
            ? '[batch, rows, cols, channels]'
            : '[batch, channels, rows, cols]';
      throw new ShapeError(`${this.getClassName()} '${this.name}' expects a rank-${this.inputRank} input ${layout}, got rank ${rank}`);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(inputShape);
    this.checkRank(shape.length);
    const axes = new Set(this.spatialAxes);
    if (this.keepdims) return shape.map((d, i) => (axes.has(i) ? 1 : d));
    return shape.filter((_, i) => !axes.has(i));
  }

  override call(inputs: Tensor | Tensor[], _kwargs: Kwargs): Tensor {
    const x = singleTensor(inputs, this.getClassName());
    this.checkRank(x.rank);
    const axes = this.spatialAxes;
    const p = this.p;
    const keepdims = this.keepdims;
    return tf.tidy(() => {
      // max(x - m + 1) + m - 1 is max(x): take it directly, exactly.
      if (p === Infinity) return tf.max(x, axes, keepdims);
      if (p === -Infinity) return tf.min(x, axes, keepdims);
      const mins = tf.min(x, axes, true);
      const shifted = tf.add(tf.sub(x, mins), 1);
      let pooled: Tensor;
      if (Math.abs(p) < GEOMETRIC_THRESHOLD) {
        pooled = tf.exp(tf.mean(tf.log(shifted), axes, true));
      } else {
        pooled = tf.pow(tf.mean(tf.pow(shifted, p), axes, true), 1 / p);
      }
      const out = tf.sub(tf.add(pooled, mins), 1);
      return keepdims ? out : tf.squeeze(out, axes);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const p: PowerConfig = this.p === Infinity ? 'inf' : this.p === -Infinity ? '-inf' : this.p;
    return { ...super.getConfig(), p, dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * GeM pooling of a sequence: `[batch, steps, channels]` (or
 * `[batch, channels, steps]` with `channelsFirst`) to `[batch, channels]`
 * (`[batch, 1, channels]` / `[batch, channels, 1]` with keepdims).
 */
export class GeneralizedMeanPooling1D extends GeneralizedMeanPooling {
  static className = 'GeneralizedMeanPooling1D';
  protected get inputRank(): number {
    return 3;
  }
}
serialization.registerClass(GeneralizedMeanPooling1D, 'Similarity');

/**
 * GeM pooling of a feature map: `[batch, rows, cols, channels]` (or
 * `[batch, channels, rows, cols]` with `channelsFirst`) to `[batch, channels]`
 * (or with the two spatial axes kept at length 1 with keepdims).
 */
export class GeneralizedMeanPooling2D extends GeneralizedMeanPooling {
  static className = 'GeneralizedMeanPooling2D';
  protected get inputRank(): number {
    return 4;
  }
}
serialization.registerClass(GeneralizedMeanPooling2D, 'Similarity');

/** `new GeneralizedMeanPooling1D(args)`, in the style of `tf.layers.*`. */
export function generalizedMeanPooling1d(args?: GeneralizedMeanPoolingArgs): GeneralizedMeanPooling1D {
  return new GeneralizedMeanPooling1D(args);
}

/** `new GeneralizedMeanPooling2D(args)`, in the style of `tf.layers.*`. */
export function generalizedMeanPooling2d(args?: GeneralizedMeanPoolingArgs): GeneralizedMeanPooling2D {
  return new GeneralizedMeanPooling2D(args);
}
