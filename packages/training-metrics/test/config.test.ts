import '@tfsim/test-utils';

import * as tf from '@tensorflow/tfjs-core';
import { UnknownNameError, ValueError } from '@tfsim/utils';

import {
  avgNeg,
  avgPos,
  deserializeTrainingMetric,
  DistanceGapMetric,
  DistanceMetric,
  distGap,
  fromPythonConfig,
  getTrainingMetric,
  maxNeg,
  maxPos,
  minNeg,
  minPos,
  sumNeg,
  sumPos,
  trainingMetricNames,
} from '../src';

describe('training metric names, options and configs', () => {
  it('shortcuts have the Python names and settings (avg_* log as mean_*)', () => {
    const shortcuts = [avgPos, avgNeg, maxPos, maxNeg, minPos, minNeg, sumPos, sumNeg, distGap].map((f) => f('cosine'));
    // The registry's names (checked literally below), but avg_* logs as mean_*, as in Python.
    expect(shortcuts.map((m) => m.name)).toEqual(trainingMetricNames().map((n) => n.replace(/^avg_/, 'mean_')));
    expect(shortcuts.map((m) => m.metricFunction.name)).toEqual(shortcuts.map((m) => m.name));
    expect(new DistanceMetric('cosine', { aggregate: 'avg', anchor: 'negative' }).name).toBe('avg_neg');
    expect(new DistanceMetric('cosine', { name: 'farthest' }).name).toBe('farthest');
  });

  it('are found by Python or camelCase name, case-insensitively', () => {
    expect(trainingMetricNames()).toEqual([
      'avg_pos',
      'avg_neg',
      'max_pos',
      'max_neg',
      'min_pos',
      'min_neg',
      'sum_pos',
      'sum_neg',
      'dist_gap',
    ]);
    expect(getTrainingMetric('avg_pos', 'l2').getConfig()).toEqual(avgPos('euclidean').getConfig());
    expect(getTrainingMetric('minNeg', 'cosine').name).toBe('min_neg');
    expect(getTrainingMetric('DIST_GAP', 'cosine')).toBeInstanceOf(DistanceGapMetric);
    expect(() => getTrainingMetric('median_pos', 'cosine')).toThrow(UnknownNameError);
  });

  it('round-trip through getConfig / fromConfig (the distance by canonical name)', () => {
    const metric = new DistanceMetric('L2', { aggregate: 'sum', anchor: 'positive', positiveMiningStrategy: 'semi-hard' });
    const config = metric.getConfig();
    expect(config).toEqual({
      className: 'DistanceMetric',
      name: 'sum_pos',
      distance: 'euclidean',
      aggregate: 'sum',
      anchor: 'positive',
      positiveMiningStrategy: 'semi-hard',
      negativeMiningStrategy: 'hard',
    });
    expect(deserializeTrainingMetric(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);
    const gap = distGap('cosine').getConfig();
    expect(gap).toEqual({ className: 'DistanceGapMetric', name: 'dist_gap', distance: 'cosine' });
    expect(deserializeTrainingMetric(gap)).toBeInstanceOf(DistanceGapMetric);
    expect(() => deserializeTrainingMetric({ className: 'Accuracy' } as never)).toThrow(ValueError);
  });

  it('reject bad options with the argument named', () => {
    expect(() => new DistanceMetric('cosine', { anchor: 'pos' as 'positive' })).toThrow(
      /anchor must be one of 'positive', 'negative', got "pos"/,
    );
    expect(() => new DistanceMetric('cosine', { aggregate: 'median' as 'mean' })).toThrow(/aggregate must be one of/);
    expect(() => new DistanceMetric('cosine', { positiveMiningStrategy: 'hardest' as 'hard' })).toThrow(/positiveMiningStrategy/);
    expect(() => new DistanceMetric('cosine', { negativeMiningStrategy: 'semi-hard' as 'hard' })).toThrow(
      /negativeMiningStrategy must be one of 'hard', 'easy'/,
    );
    expect(() => new DistanceMetric('hamming')).toThrow(UnknownNameError);
  });
});

describe('option keys', () => {
  it('DistanceMetric and DistanceGapMetric reject unknown keys with a suggestion', () => {
    expect(() => new DistanceMetric('cosine', { positive_mining_strategy: 'hard' } as never)).toThrow(
      "unknown option 'positive_mining_strategy' for DistanceMetric; did you mean 'positiveMiningStrategy'?",
    );
    expect(() => new DistanceGapMetric('cosine', { aggregate: 'max' } as never)).toThrow(
      "unknown option 'aggregate' for DistanceGapMetric; known options: name",
    );
  });
});

describe('Python configs', () => {
  // Python's DistanceMetric.get_config(): Keras Metric's name and dtype, then its own options.
  const python = {
    name: 'max_neg_easy',
    dtype: 'float32',
    distance: 'cosine',
    aggregate: 'max',
    anchor: 'negative',
    positive_mining_strategy: 'hard',
    negative_mining_strategy: 'easy',
  };

  it('fromPythonConfig and Keras {class_name, config} give the settings and values of the camelCase options', () => {
    const ours = new DistanceMetric('cosine', {
      name: 'max_neg_easy',
      aggregate: 'max',
      anchor: 'negative',
      negativeMiningStrategy: 'easy',
    });
    for (const metric of [
      fromPythonConfig('DistanceMetric', python),
      deserializeTrainingMetric({ class_name: 'Similarity>DistanceMetric', config: python }),
    ]) {
      expect(metric.getConfig()).toEqual(ours.getConfig());
      const labels = [0, 0, 1, 1];
      const embeddings = tf.tensor2d([
        [1, 0],
        [0.6, 0.8],
        [0, 1],
        [0.8, 0.6],
      ]);
      const [a, b] = [metric.compute(labels, embeddings), ours.compute(labels, embeddings)];
      expect(a.dataSync()[0]).toBe(b.dataSync()[0]);
      tf.dispose([a, b, embeddings]);
    }
    const gap = deserializeTrainingMetric({
      class_name: 'Similarity>DistanceGapMetric',
      config: {
        name: 'dist_gap',
        dtype: 'float32',
        distance: { class_name: 'Similarity>EuclideanDistance', config: { name: 'euclidean' } },
      },
    });
    expect(gap.getConfig()).toEqual({ className: 'DistanceGapMetric', name: 'dist_gap', distance: 'euclidean' });
  });

  it('an option we do not have, another dtype, or an unknown class is an error', () => {
    expect(() => fromPythonConfig('DistanceMetric', { ...python, aggregation: 'max' })).toThrow(
      "unknown option 'aggregation' for DistanceMetric; did you mean 'aggregate'?",
    );
    expect(() => fromPythonConfig('DistanceMetric', { ...python, dtype: 'float16' })).toThrow('compute in float32, got dtype float16');
    expect(() => fromPythonConfig('AvgPos', python)).toThrow(UnknownNameError);
  });
});
