/** Small seeded data and models for the SimilarityModel tests. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MetricEmbedding } from '@tfsim/layers';
import { Rng } from '@tfsim/utils';

import { SimilarityModel } from '../src/similarity-model';

export interface Clusters {
  x: Float32Array;
  y: number[];
  rows: number;
  dim: number;
}

/**
 * `perClass` points of each of `numClasses` Gaussian clusters: the first
 * `informative` coordinates hold the class centre (spread `separation`) plus
 * unit noise, the remaining `noise` coordinates are pure noise of std
 * `noiseStd`, so raw nearest neighbours are poor and a trained model must
 * learn to ignore the noisy coordinates. Same seed, same points.
 */
export function makeClusters(
  seed: number,
  numClasses: number,
  perClass: number,
  opts: { informative?: number; noise?: number; separation?: number; noiseStd?: number; centresSeed?: number } = {},
): Clusters {
  const informative = opts.informative ?? 4;
  const noise = opts.noise ?? 12;
  const separation = opts.separation ?? 3;
  const noiseStd = opts.noiseStd ?? 2;
  const centresRng = new Rng(opts.centresSeed ?? 1234);
  const centres = Array.from({ length: numClasses }, () => Array.from({ length: informative }, () => centresRng.normal(0, separation)));
  const rng = new Rng(seed);
  const dim = informative + noise;
  const rows = numClasses * perClass;
  const x = new Float32Array(rows * dim);
  const y: number[] = [];
  let r = 0;
  for (let i = 0; i < perClass; i++) {
    for (let c = 0; c < numClasses; c++) {
      for (let j = 0; j < informative; j++) x[r * dim + j] = centres[c]![j]! + rng.normal(0, 1);
      for (let j = informative; j < dim; j++) x[r * dim + j] = rng.normal(0, noiseStd);
      y.push(c);
      r++;
    }
  }
  return { x, y, rows, dim };
}

export function clustersTensor(c: Clusters): tf.Tensor2D {
  return tf.tensor2d(c.x, [c.rows, c.dim]);
}

/** Dense -> Dense -> MetricEmbedding, seeded. */
export function buildMlp(inputDim: number, embeddingSize = 8, seed = 7, name = 'mlp'): SimilarityModel {
  const inputs = tfl.input({ shape: [inputDim], name: 'input' });
  let h = tfl.layers
    .dense({ units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: 'dense_1' })
    .apply(inputs) as tfl.SymbolicTensor;
  h = tfl.layers
    .dense({ units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }), name: 'dense_2' })
    .apply(h) as tfl.SymbolicTensor;
  const outputs = new MetricEmbedding({
    units: embeddingSize,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    name: 'metric_embedding',
  }).apply(h) as tfl.SymbolicTensor;
  return new SimilarityModel({ inputs, outputs, name });
}

/** Fraction of queries whose nearest indexed neighbour has the query's label. */
export function recallAt1(lookups: ReadonlyArray<ReadonlyArray<{ label?: number | null }>>, labels: readonly number[]): number {
  let hits = 0;
  lookups.forEach((l, i) => {
    if (l[0]?.label === labels[i]) hits++;
  });
  return hits / labels.length;
}
