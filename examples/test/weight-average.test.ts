import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setupBackend } from '@tfsim/utils';

import { QUICK_CANDIDATES, recipeOptions } from '../src/supervised/recipe';
import { WeightAverage } from '../src/supervised/weight-average';

/** The examples' EMA of the weights against hand-computed averages. */
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

/** A variable as tfjs-layers holds one, set to `values` before each step. */
function variable(values: number[]) {
  const v = tf.variable(tf.tensor1d(values));
  return {
    read: () => v as tf.Tensor,
    write: (t: tf.Tensor) => v.assign(t as tf.Tensor1D),
    set: (x: number[]) => tf.tidy(() => v.assign(tf.tensor1d(x))),
    v,
  };
}

describe('WeightAverage', () => {
  it('averages the weights of the steps from its first step on, decay * average + (1 - decay) * weights', () => {
    const a = variable([0, 0]);
    const b = variable([10]);
    const before = tf.memory().numTensors;
    const average = new WeightAverage([a, b], 0.5, 2);
    const steps: [number[], number[]][] = [
      [[100, 100], [100]], // step 1: before the first averaged step, ignored
      [[2, 4], [8]], // step 2: the average starts here
      [[4, 8], [0]],
      [[6, 0], [4]],
    ];
    steps.forEach(([x, y], i) => {
      a.set(x);
      b.set(y);
      average.update(i + 1);
    });
    // a: 2 -> (2 + 4) / 2 = 3 -> (3 + 6) / 2 = 4.5; 4 -> 6 -> 3. b: 8 -> 4 -> 4.
    expect(average.apply()).toBe(true);
    expect(Array.from(a.v.dataSync())).toEqual([4.5, 3]);
    expect(Array.from(b.v.dataSync())).toEqual([4]);
    // Nothing left behind: the average went into the variables.
    expect(tf.memory().numTensors).toBe(before);
    // Applied once: a second apply has nothing to write.
    expect(average.apply()).toBe(false);
    tf.dispose([a.v, b.v]);
  });

  it('leaves the weights alone when training ended before its first step', () => {
    const a = variable([1, 2]);
    const average = new WeightAverage([a], 0.9, 5);
    a.set([3, 4]);
    average.update(4);
    expect(average.apply()).toBe(false);
    expect(Array.from(a.v.dataSync())).toEqual([3, 4]);
    a.v.dispose();
  });

  it('works on the LayerVariables of a tfjs-layers model', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })] });
    const average = new WeightAverage(model.weights, 0.75, 1);
    model.setWeights([tf.tensor2d([[4], [8]]), tf.tensor1d([0])]);
    average.update(1);
    model.setWeights([tf.tensor2d([[0], [0]]), tf.tensor1d([4])]);
    average.update(2);
    average.apply();
    // 0.75 * [4, 8] + 0.25 * [0, 0] = [3, 6]; bias 0.75 * 0 + 0.25 * 4 = 1.
    const [kernel, bias] = model.getWeights();
    expect(Array.from(kernel!.dataSync())).toEqual([3, 6]);
    expect(Array.from(bias!.dataSync())).toEqual([1]);
    model.dispose();
  });

  it('refuses a decay outside (0, 1) and a first step below 1', () => {
    expect(() => new WeightAverage([], 1, 1)).toThrow('the weight-average decay must be in (0, 1), got 1');
    expect(() => new WeightAverage([], Number.NaN, 1)).toThrow('decay must be in (0, 1), got NaN');
    expect(() => new WeightAverage([], 0.9, 0)).toThrow('the weight-average first step must be an integer >= 1, got 0');
  });
});

describe('a recipe with weight averaging', () => {
  it('averages over the last share of the steps', () => {
    const options = recipeOptions({ ...QUICK_CANDIDATES[0]!, steps: 1000, averaging: { decay: 0.99, share: 0.5 } }, 6);
    // The last 500 of 1000 steps: 501 .. 1000.
    expect(options.averaging).toEqual({ decay: 0.99, fromStep: 501 });
  });
});
