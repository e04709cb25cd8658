/**
 * Python configs: what the Python library's `get_config()` returns (its
 * option names, Keras' reduction, the distance as Keras serializes it) builds
 * the same loss as our camelCase options, and Keras `{class_name, config}`
 * deserializes. Unknown keys are errors with a suggestion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeak } from '@tfsim/test-utils';
import { Rng, UnknownOptionError } from '@tfsim/utils';

import {
  ArcFaceLoss,
  deserializeLoss,
  fromPythonConfig,
  getLoss,
  type Loss,
  lossNames,
  MetricLoss,
  serializeLoss,
  TripletLoss,
  type XBM,
} from '../src';
import { requiredOptions } from './required-options';

const cosine = { class_name: 'Similarity>CosineDistance', config: { name: 'cosine' } };

/**
 * [class name, Python get_config() (keys and defaults from the Python
 * library's constructors, with some values changed), our options, the
 * effective settings to read back].
 */
const CASES: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'TripletLoss',
    {
      reduction: 'auto',
      name: 'triplet_loss',
      distance: cosine,
      positive_mining_strategy: 'easy',
      negative_mining_strategy: 'hard',
      margin: 1.0,
    },
    { positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 1 },
    { positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 1, reduction: 'auto' },
  ],
  [
    'PNLoss',
    { reduction: 'sum', name: 'pn', distance: 'l2', positive_mining_strategy: 'hard', negative_mining_strategy: 'easy', margin: null },
    { reduction: 'sum', name: 'pn', distance: 'euclidean', negativeMiningStrategy: 'easy' },
    { name: 'pn', negativeMiningStrategy: 'easy', margin: null, reduction: 'sum' },
  ],
  [
    'MultiSimilarityLoss',
    {
      reduction: 'auto',
      name: 'multisim_loss',
      distance: { name: 'cosine' },
      alpha: 3.0,
      beta: 30.0,
      epsilon: 0.2,
      lmda: 0.4,
      center: 0.9,
    },
    { alpha: 3, beta: 30, epsilon: 0.2, lmda: 0.4, center: 0.9 },
    { alpha: 3, beta: 30, epsilon: 0.2, lmda: 0.4, center: 0.9 },
  ],
  [
    'CircleLoss',
    { reduction: 'sum_over_batch_size', name: 'circle_loss', distance: cosine, gamma: 64.0, margin: 0.25 },
    { gamma: 64, margin: 0.25, reduction: 'sum_over_batch_size' },
    { gamma: 64, margin: 0.25, reduction: 'sum_over_batch_size' },
  ],
  [
    'SoftNearestNeighborLoss',
    { reduction: 'auto', name: 'soft_nn_loss', distance: 'sql2', temperature: 2 },
    { distance: 'sql2', temperature: 2 },
    { temperature: 2 },
  ],
  [
    'LiftedStructLoss',
    { reduction: 'auto', name: 'lifted_struct_loss', distance: cosine, positive_mining_strategy: 'easy', margin: 0.5 },
    { positiveMiningStrategy: 'easy', margin: 0.5 },
    { positiveMiningStrategy: 'easy', margin: 0.5 },
  ],
  [
    'MultiNegativesRankLoss',
    { reduction: 'auto', name: 'multineg_rank_loss', distance: 'inner_product', scale: 10 },
    { scale: 10 },
    { scale: 10 },
  ],
  ['SimCLRLoss', { reduction: 'auto', name: 'simclr_loss', temperature: 0.1 }, { temperature: 0.1 }, { temperature: 0.1 }],
  [
    'SimSiamLoss',
    { reduction: 'auto', name: 'simsiam_loss', projection_type: 'cosine_distance', margin: 0.01 },
    { projectionType: 'cosine_distance', margin: 0.01 },
    { projectionType: 'cosine_distance', margin: 0.01 },
  ],
  [
    'Barlow',
    { reduction: 'auto', name: 'barlow', lambda_: 0.01, margin: 1e-6 },
    { lambda: 0.01, margin: 1e-6 },
    { lambda: 0.01, margin: 1e-6 },
  ],
  [
    'VicReg',
    { reduction: 'none', name: 'vicreg_loss', std_const: 1e-3, lambda_: 20, mu: 24, nu: 2 },
    { reduction: 'none', stdConst: 1e-3, lambda: 20, mu: 24, nu: 2 },
    { stdConst: 1e-3, lambda: 20, mu: 24, nu: 2, reduction: 'none' },
  ],
];

function batch(seed: number) {
  const rng = new Rng(seed);
  const rows = Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => rng.normal()));
  return { labels: [0, 1, 2, 3, 0, 1, 2, 3], a: tf.tensor2d(rows), b: tf.tensor2d(rows.map((r) => r.map((v) => v + 0.3 * rng.normal()))) };
}

function value(loss: Loss, seed: number): Float32Array {
  const { labels, a, b } = batch(seed);
  const out = loss instanceof MetricLoss ? loss.call(labels, a) : loss.call(a, b);
  const values = out.dataSync() as Float32Array;
  tf.dispose([a, b, out]);
  return values;
}

describe('fromPythonConfig', () => {
  it.each(CASES)('%s: the Python config gives the settings and the values of our options', (className, python, ours, settings) => {
    const fromPython = fromPythonConfig(className, python);
    const fromOurs = getLoss(className, ours);
    expect(fromPython.className).toBe(className);
    expect(fromPython).toMatchObject(settings);
    expect(fromPython.getConfig()).toEqual(fromOurs.getConfig());
    expect(fromPython.distance.name).toBe(fromOurs.distance.name);
    expectClose(value(fromPython, 3), value(fromOurs, 3), 0);
  });

  it.each(CASES)('%s: Keras {class_name, config} deserializes as the Python config, also as JSON text', (className, python) => {
    const expected = fromPythonConfig(className, python).getConfig();
    expect(deserializeLoss({ class_name: `Similarity>${className}`, config: python }).getConfig()).toEqual(expected);
    expect(deserializeLoss(JSON.stringify({ class_name: className, config: python })).getConfig()).toEqual(expected);
  });

  it('XBM wraps the loss Keras serialized inside its config', () => {
    const inner = {
      class_name: 'Similarity>MultiSimilarityLoss',
      config: { reduction: 'auto', name: 'multisim_loss', distance: cosine, alpha: 3.0 },
    };
    const xbm = fromPythonConfig('XBM', { reduction: 'auto', name: 'xbm_loss', loss: inner, memory_size: 32, warmup_steps: 2 }) as XBM;
    expect(xbm).toMatchObject({ memorySize: 32, warmupSteps: 2, name: 'xbm_loss' });
    expect(xbm.loss.className).toBe('MultiSimilarityLoss');
    expect(xbm.loss).toMatchObject({ alpha: 3, beta: 40 });
    const back = deserializeLoss(JSON.stringify(serializeLoss(xbm))) as XBM;
    expect(back.getConfig()).toEqual(xbm.getConfig());
    xbm.dispose();
    back.dispose();
  });

  it('a Python option we do not have, or a misspelled one, is an error naming the loss and the closest option', () => {
    expect(() => fromPythonConfig('TripletLoss', { positive_mining: 'easy' })).toThrow(
      "unknown option 'positiveMining' for TripletLoss; did you mean 'positiveMiningStrategy'?",
    );
    expect(() => fromPythonConfig('VicReg', { reduction: 'mean' })).toThrow(
      `VicReg: unknown reduction "mean"; expected one of 'auto', 'sum_over_batch_size', 'sum', 'none'`,
    );
    expect(() => fromPythonConfig('XBM', { loss: 'triplet', memory_size: 4 })).toThrow('XBM: "loss" must be a serialized loss');
  });
});

describe('unknown option keys', () => {
  it.each(lossNames())('%s rejects a Python name with a suggestion, and leaks nothing', async (className) => {
    await expectNoLeak(() => {
      expect(() => getLoss(className, { ...requiredOptions(className), reduction_: 'sum' })).toThrow(
        `unknown option 'reduction_' for ${className}; did you mean 'reduction'?`,
      );
      expect(() => getLoss(className, { ...requiredOptions(className), namee: 'x' })).toThrow(UnknownOptionError);
    });
  });

  it('the classes check their options directly', () => {
    expect(() => new TripletLoss({ positive_mining_strategy: 'easy' } as never)).toThrow(
      "unknown option 'positive_mining_strategy' for TripletLoss; did you mean 'positiveMiningStrategy'?",
    );
    expect(() => new ArcFaceLoss({ numClasses: 2, embeddingSize: 2, num_classes: 2 } as never)).toThrow(
      "unknown option 'num_classes' for ArcFaceLoss; did you mean 'numClasses'?",
    );
    expect(() => new TripletLoss(3 as never)).toThrow('TripletLoss takes an options object, got 3');
  });
});
