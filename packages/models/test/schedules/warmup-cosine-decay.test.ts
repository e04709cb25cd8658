import * as tf from '@tensorflow/tfjs-core';
import { CustomCallback, layers, sequential } from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose, testBackends } from '@tfsim/test-utils';
import { ValueError } from '@tfsim/utils';

import { LearningRateScheduler, scheduledRate, setLearningRate, WarmupCosineDecay } from '../../src';
import { PYTHON_WARMUP_COSINE_DECAY } from './python-values';

/**
 * An independent statement of the schedule: warmup as a line through (0, 0)
 * and (warmup, max); the decay as the cosine half-period from max to
 * alpha * max, written with sin^2 (0.5 * (1 + cos t) = 1 - sin^2(t / 2)).
 */
function reference(step: number, max: number, total: number, warmup: number, alpha = 0): number {
  if (step < warmup) return max * (step / warmup);
  const t = Math.min(step, total) - warmup;
  const half = Math.sin((Math.PI * t) / (2 * (total - warmup)));
  return alpha * max + (1 - alpha) * max * (1 - half * half);
}

describe('WarmupCosineDecay', () => {
  it('matches the formula on the Python test grid (1000 steps, 500 warmup, max 1)', () => {
    const schedule = new WarmupCosineDecay(1.0, 1000, 500);
    for (let step = 0; step < 1500; step += 250) expectClose(schedule.call(step), reference(step, 1, 1000, 500), 1e-12);
    // Hand-checked points: half-way up the warmup, the peak, half-way down, the end, past the end.
    expectClose(
      [250, 500, 750, 1000, 1250].map((s) => schedule.call(s)),
      [0.5, 1, 0.5, 0, 0],
      1e-12,
    );
  });

  it('decays to alpha * max and stays there', () => {
    const schedule = new WarmupCosineDecay(0.3, 1000, 500, 0.1);
    for (let step = 0; step < 1500; step += 50) expectClose(schedule.call(step), reference(step, 0.3, 1000, 500, 0.1), 1e-12);
    expectClose(schedule.call(1000), 0.03, 1e-12);
    expectClose(schedule.call(10_000), 0.03, 1e-12);
    // At the peak the rate is max whatever alpha is.
    expectClose(schedule.call(500), 0.3, 1e-12);
  });

  it('with no warmup starts at max (a plain cosine decay)', () => {
    const schedule = new WarmupCosineDecay(2, 100, 0);
    expectClose(schedule.call(0), 2, 1e-12);
    expectClose(schedule.call(50), 1, 1e-12);
    expectClose(schedule.call(17), 2 * 0.5 * (1 + Math.cos((Math.PI * 17) / 100)), 1e-12);
  });

  it("agrees with the Python class's float32 values", () => {
    // From the Python class itself: see tools/reference/models_schedules_reference.py.
    for (const { maxLearningRate, totalSteps, warmupSteps, alpha, steps, values } of PYTHON_WARMUP_COSINE_DECAY) {
      const schedule = new WarmupCosineDecay(maxLearningRate, totalSteps, warmupSteps, alpha);
      // Python computes in float32: a few float32 roundings (6e-8 each) of the maximum.
      expectClose(
        steps.map((s) => schedule.call(s)),
        values,
        { atol: 2e-7 * maxLearningRate, rtol: 2e-7 },
      );
    }
  });

  it('round-trips its config, with the Python keys camelCased', () => {
    const schedule = new WarmupCosineDecay(0.5, 300, 30, 0.2, 'lr');
    expect(schedule.getConfig()).toEqual({ maxLearningRate: 0.5, totalSteps: 300, warmupSteps: 30, alpha: 0.2, name: 'lr' });
    const copy = WarmupCosineDecay.fromConfig(JSON.parse(JSON.stringify(schedule.getConfig())));
    for (const s of [0, 7, 30, 100, 299, 400]) expect(copy.call(s)).toBe(schedule.call(s));
  });

  it('rejects warmup >= total (the Python message), bad numbers and bad steps', () => {
    expect(() => new WarmupCosineDecay(1, 1000, 1000)).toThrow('warmup_steps must be less than the total steps');
    expect(() => new WarmupCosineDecay(1, 10, 20)).toThrow(ValueError);
    expect(() => new WarmupCosineDecay(NaN, 10, 2)).toThrow(/maxLearningRate must be a finite number/);
    expect(() => new WarmupCosineDecay(1, 0, 0)).toThrow(/totalSteps must be an integer >= 1/);
    expect(() => new WarmupCosineDecay(1, 10.5, 2)).toThrow(/totalSteps must be an integer/);
    expect(() => new WarmupCosineDecay(1, 10, -1)).toThrow(/warmupSteps must be an integer >= 0/);
    expect(() => new WarmupCosineDecay(1, 10, 2, Infinity)).toThrow(/alpha must be a finite number/);
    const schedule = new WarmupCosineDecay(1, 10, 2);
    expect(() => schedule.call(-1)).toThrow(/step must be a finite number >= 0/);
    expect(() => schedule.call(NaN)).toThrow(/step must be/);
  });
});

const [fastest] = testBackends();

describeEachBackend(
  'learning-rate schedules with tfjs optimizers',
  () => {
    it('setLearningRate sets the step size of SGD (cached rate) and Adam (read at each update)', () => {
      for (const make of [() => tf.train.sgd(1), () => tf.train.adam(1)]) {
        const optimizer = make();
        const w = tf.variable(tf.tensor1d([1, -2, 3]));
        const step = (rate: number): { before: number[]; delta: number[] } => {
          setLearningRate(optimizer, rate);
          const before = Array.from(w.dataSync());
          optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
          return { before, delta: Array.from(w.dataSync()).map((v, i) => v - before[i]!) };
        };
        step(0.1);
        expectClose(step(0).delta, [0, 0, 0], 0);
        const { before, delta } = step(0.01);
        if (optimizer.getClassName() === 'SGD') {
          // d/dw sum(w^2) = 2w, so SGD moves by -rate * 2w.
          expectClose(
            delta,
            before.map((v) => -0.01 * 2 * v),
            1e-6,
          );
        } else {
          // Adam's first moments are 0.1 of the (same-signed) gradients after one 0-rate step: each move is about the rate.
          for (let i = 0; i < 3; i++) {
            expect(Math.sign(delta[i]!)).toBe(-Math.sign(before[i]!));
            expect(Math.abs(delta[i]!)).toBeGreaterThan(0.005);
            expect(Math.abs(delta[i]!)).toBeLessThan(0.02);
          }
        }
        w.dispose();
        optimizer.dispose();
      }
    });

    it('LearningRateScheduler sets the rate before each batch of model.fit from the step count', async () => {
      const model = sequential({ layers: [layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })] });
      const optimizer = tf.train.sgd(123);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const schedule = new WarmupCosineDecay(0.1, 6, 2);
      const seen: number[] = [];
      const scheduler = new LearningRateScheduler(schedule);
      const x = tf.ones([8, 2]);
      const y = tf.ones([8, 1]);
      await model.fit(x, y, {
        epochs: 2,
        batchSize: 4,
        verbose: 0,
        callbacks: [scheduler, new CustomCallback({ onBatchEnd: async (_b, logs) => void seen.push(Number(logs?.lr)) })],
      });
      // 2 epochs x 2 batches = steps 0..3 of the schedule.
      expectClose(
        seen,
        [0, 1, 2, 3].map((s) => schedule.call(s)),
        1e-12,
      );
      expect(optimizer.iterations).toBe(4);
      tf.dispose([x, y]);
      model.dispose();
    });

    it('scheduledRate takes functions too and rejects non-finite rates', () => {
      expect(scheduledRate((s) => s * 2, 3)).toBe(6);
      expect(() => scheduledRate(() => NaN, 3)).toThrow(/returned NaN at step 3/);
      expect(() => new LearningRateScheduler({} as never)).toThrow(/needs a schedule/);
    });
  },
  { only: fastest ? [fastest] : [] },
);

describe('WarmupCosineDecay Python configs', () => {
  it("reads Python's get_config() and its Keras {class_name, config}, with the same rates", () => {
    const python = { max_learning_rate: 0.1, total_steps: 100, warmup_steps: 10, alpha: 0.2, name: 'sched' };
    const ours = new WarmupCosineDecay(0.1, 100, 10, 0.2, 'sched');
    for (const schedule of [
      WarmupCosineDecay.fromConfig(python),
      WarmupCosineDecay.fromConfig({ class_name: 'Similarity>WarmupCosineDecay', config: python }),
    ]) {
      expect(schedule.getConfig()).toEqual(ours.getConfig());
      for (const step of [0, 5, 10, 50, 99, 150]) expect(schedule.call(step)).toBe(ours.call(step));
    }
    expect(() => WarmupCosineDecay.fromConfig({ ...python, warmup: 3 })).toThrow(
      "unknown option 'warmup' for WarmupCosineDecay; did you mean 'warmupSteps'?",
    );
  });
});
