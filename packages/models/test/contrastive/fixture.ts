/**
 * Seeded synthetic data for contrastive training: the class lives in a few
 * low-variance "signal" features; many high-variance "nuisance" features
 * carry no class information and are redrawn by the augmentation. Raw
 * geometry (and an untrained network) is dominated by the nuisance, so
 * nearest neighbours are mostly wrong; a model that learns to be invariant
 * to the augmentation finds the class.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initializers, input, layers, type LayersModel, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { Rng } from '@tfsim/utils';

export const SIGNAL = 4;
export const NUISANCE = 12;
export const FEATURES = SIGNAL + NUISANCE;
const NUISANCE_STD = 2;
const SIGNAL_STD = 0.15;

export interface Synthetic {
  x: Float32Array;
  labels: number[];
  n: number;
}

/** `perClass` examples of each of `classes` classes; class c's signal centre is ±1 on each signal axis. */
export function syntheticData(seed: number, classes: number, perClass: number): Synthetic {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, (_, c) => Array.from({ length: SIGNAL }, (_, j) => ((c >> j) & 1 ? 1 : -1)));
  const n = classes * perClass;
  const x = new Float32Array(n * FEATURES);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels.push(c);
    for (let j = 0; j < SIGNAL; j++) x[i * FEATURES + j] = centres[c]![j]! + rng.normal(0, SIGNAL_STD);
    for (let j = SIGNAL; j < FEATURES; j++) x[i * FEATURES + j] = rng.normal(0, NUISANCE_STD);
  }
  return { x, labels, n };
}

/**
 * The augmentation, batched: a little jitter on the signal, the nuisance
 * redrawn. A function augmenter in the samplers' contract.
 */
export function nuisanceAugmenter(seed: number) {
  const rng = new Rng(seed);
  return (x: tf.Tensor, _y: tf.Tensor | undefined, views: number): tf.Tensor[] => {
    const rows = x.shape[0]!;
    const source = x.dataSync();
    return Array.from({ length: views }, () => {
      const out = new Float32Array(rows * FEATURES);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < SIGNAL; j++) out[i * FEATURES + j] = source[i * FEATURES + j]! + rng.normal(0, 0.05);
        for (let j = SIGNAL; j < FEATURES; j++) out[i * FEATURES + j] = rng.normal(0, NUISANCE_STD);
      }
      return tf.tensor2d(out, [rows, FEATURES]);
    });
  };
}

/** A small seeded MLP backbone: FEATURES -> 32 (relu) -> `width`. */
export function mlpBackbone(seed: number, width = 16): LayersModel {
  const inputs = input({ shape: [FEATURES], name: 'backbone_input' });
  let h = layers
    .dense({ units: 32, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed }), name: 'backbone_hidden' })
    .apply(inputs) as SymbolicTensor;
  h = layers
    .dense({ units: width, kernelInitializer: initializers.glorotUniform({ seed: seed + 1 }), name: 'backbone_output' })
    .apply(h) as SymbolicTensor;
  return model({ inputs, outputs: h, name: 'backbone' });
}

/** 1-nearest-neighbour accuracy by cosine similarity, computed on plain arrays. */
export function knnAccuracy(index: Float32Array, indexLabels: number[], queries: Float32Array, queryLabels: number[], dim: number): number {
  const norm = (a: Float32Array, i: number) => Math.hypot(...a.subarray(i * dim, (i + 1) * dim)) || 1;
  let correct = 0;
  for (let q = 0; q < queryLabels.length; q++) {
    const nq = norm(queries, q);
    let best = -Infinity;
    let label = -1;
    for (let r = 0; r < indexLabels.length; r++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += queries[q * dim + j]! * index[r * dim + j]!;
      const cos = dot / (nq * norm(index, r));
      if (cos > best) {
        best = cos;
        label = indexLabels[r]!;
      }
    }
    if (label === queryLabels[q]) correct++;
  }
  return correct / queryLabels.length;
}
