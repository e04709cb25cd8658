/**
 * The Python library's `TFDatasetMultiShotMemorySampler`: a
 * MultiShotMemorySampler over the splits of a dataset of feature records
 * (`{image, label, ...}`, as TensorFlow Datasets gives them). Python loads
 * the splits from the TensorFlow Datasets catalogue by name; nothing can be
 * downloaded from a hub here, so the splits are given as tfjs-data Datasets
 * (e.g. `tf.data.array(records)` or a dataset read from local files).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfd from '@tensorflow/tfjs-data';
import { checkOptions, createProgress, isTensor, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import type { ExampleValue } from './examples';
import { MultiShotMemorySampler, type MultiShotMemorySamplerOptions } from './memory-samplers';
import { checkLabel } from './select';
import { disposeDeep } from './tfdata-sampler';

/** One element of a dataset: its features by name. */
export type FeatureRecord = { [feature: string]: tf.TensorContainer };

/** Python's `preprocess_fn(x, y)`, per example: the new example and label. A tensor it returns must be new (the sampler owns it). */
export type PreprocessFn = (x: ExampleValue, y: number) => [ExampleValue, number];

export interface TFDatasetMultiShotMemorySamplerOptions extends Omit<MultiShotMemorySamplerOptions<ExampleValue>, 'loadExampleFn'> {
  /** The feature holding the example. Default 'image'. */
  xKey?: string;
  /** The feature holding the class id. Default 'label'. */
  yKey?: string;
  /** Which splits to read, in order. Default ['train', 'test'] (Python's). */
  splits?: string | readonly string[];
  preprocessFn?: PreprocessFn;
}

async function readSplit(
  name: string,
  dataset: tfd.Dataset<FeatureRecord>,
  xKey: string,
  yKey: string,
  xs: ExampleValue[],
  ys: number[],
): Promise<void> {
  if (dataset.size === Infinity) throw new ValueError(`split ${name}: the dataset must be finite`);
  const progress = createProgress({ label: `converting ${name}`, total: dataset.size ?? 0 });
  const iterator = await dataset.iterator();
  try {
    for (let index = 0; ; index++) {
      const step = await iterator.next();
      if (step.done) break;
      const record = step.value as FeatureRecord | null;
      if (record === null || typeof record !== 'object' || !(xKey in record) || !(yKey in record)) {
        const available = record && typeof record === 'object' ? Object.keys(record).join(', ') : typeof record;
        disposeDeep(record);
        throw new ValueError(
          `split ${name}, element ${index}: no ${!record || !(xKey in record) ? `xKey "${xKey}"` : `yKey "${yKey}"`}; available features are: ${available}`,
        );
      }
      const label = record[yKey];
      let value: number;
      if (isTensor(label)) {
        if (label.size !== 1) {
          disposeDeep(record);
          throw new ShapeError(`split ${name}, element ${index}: the label must be one class id, got shape [${label.shape.join(', ')}]`);
        }
        value = label.dataSync()[0]!;
      } else value = Number(label);
      try {
        ys.push(checkLabel(value, `the label of split ${name}, element ${index}`));
      } catch (err) {
        disposeDeep(record);
        throw err;
      }
      xs.push(record[xKey] as ExampleValue);
      // Only the example is kept.
      for (const [key, feature] of Object.entries(record)) if (key !== xKey) disposeDeep(feature);
      progress.tick();
    }
  } finally {
    progress.done();
  }
}

export class TFDatasetMultiShotMemorySampler extends MultiShotMemorySampler<ExampleValue> {
  /** fromDatasets' keys: the sampler's, less loadExampleFn (examples are in memory), plus the reading options. */
  static readonly datasetOptionKeys: OptionKeys<TFDatasetMultiShotMemorySamplerOptions> = (() => {
    const { loadExampleFn: _, ...samplerKeys } = MultiShotMemorySampler.optionKeys;
    return { ...samplerKeys, xKey: true, yKey: true, splits: true, preprocessFn: true };
  })();

  private readonly owned: ExampleValue[];

  private constructor(x: ExampleValue[], y: number[], options: TFDatasetMultiShotMemorySamplerOptions) {
    const { xKey: _x, yKey: _y, splits: _s, preprocessFn: _p, ...samplerOptions } = options;
    super(x, y, samplerOptions);
    this.owned = x;
  }

  /**
   * Reads the chosen splits into memory (a dataset alone is one split),
   * preprocesses each example, and samples class-balanced batches from them.
   * `classesPerBatch` is required, as in Python.
   */
  static async fromDatasets(
    datasets: tfd.Dataset<FeatureRecord> | Readonly<Record<string, tfd.Dataset<FeatureRecord>>>,
    options: TFDatasetMultiShotMemorySamplerOptions & { classesPerBatch: number },
  ): Promise<TFDatasetMultiShotMemorySampler> {
    checkOptions(options, TFDatasetMultiShotMemorySampler.datasetOptionKeys, 'TFDatasetMultiShotMemorySampler.fromDatasets');
    if (options?.classesPerBatch === undefined) throw new ValueError('TFDatasetMultiShotMemorySampler needs classesPerBatch');
    const xKey = options.xKey ?? 'image';
    const yKey = options.yKey ?? 'label';
    const single = datasets !== null && typeof (datasets as tfd.Dataset<FeatureRecord>).iterator === 'function';
    const bySplit = single ? { all: datasets as tfd.Dataset<FeatureRecord> } : (datasets as Record<string, tfd.Dataset<FeatureRecord>>);
    const splits = single ? ['all'] : typeof options.splits === 'string' ? [options.splits] : [...(options.splits ?? ['train', 'test'])];
    for (const split of splits) {
      if (!bySplit[split]) throw new ValueError(`no split "${split}"; the datasets given are: ${Object.keys(bySplit).join(', ')}`);
    }
    let xs: ExampleValue[] = [];
    let ys: number[] = [];
    try {
      for (const split of splits) await readSplit(split, bySplit[split]!, xKey, yKey, xs, ys);
      if (options.preprocessFn) {
        const pre: ExampleValue[] = [];
        const preY: number[] = [];
        try {
          for (let i = 0; i < xs.length; i++) {
            const [xb, yb] = options.preprocessFn(xs[i]!, ys[i]!);
            pre.push(xb);
            preY.push(checkLabel(yb, `the label preprocessFn returned for example ${i}`));
          }
        } catch (err) {
          pre.forEach((v, i) => v !== xs[i] && disposeDeep(v));
          throw err;
        }
        // The originals preprocessFn replaced are no longer needed.
        xs.forEach((v, i) => v !== pre[i] && disposeDeep(v));
        [xs, ys] = [pre, preY];
      }
      return new TFDatasetMultiShotMemorySampler(xs, ys, options);
    } catch (err) {
      xs.forEach(disposeDeep);
      throw err;
    }
  }

  /** Frees the examples read from the datasets. */
  dispose(): void {
    for (const x of this.owned) if (x instanceof tf.Tensor) x.dispose();
  }
}
