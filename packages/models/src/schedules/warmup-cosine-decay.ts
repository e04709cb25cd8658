/**
 * The Python library's `schedules.WarmupCosineDecay`: a linear warmup from 0
 * to the maximum learning rate, then a cosine decay (SGDR without restarts,
 * Loshchilov & Hutter 2016) down to `alpha` times the maximum.
 */
import { checkOptions, fromPythonKeys, type KerasObject, type OptionKeys, readSerializedObject, ValueError } from '@tfsim/utils';

/** A learning rate as a function of the optimizer step (0 for the first update). */
export interface LearningRateSchedule {
  /** The learning rate for the update numbered `step` (0-based, as Keras' `optimizer.iterations`). */
  call(step: number): number;
}

/** The saved form of a WarmupCosineDecay (the Python class's `get_config()` keys, camelCased). */
export interface WarmupCosineDecayConfig {
  maxLearningRate: number;
  totalSteps: number;
  warmupSteps: number;
  alpha: number;
  name: string | null;
}

const CONFIG_KEYS: OptionKeys<WarmupCosineDecayConfig> = {
  maxLearningRate: true,
  totalSteps: true,
  warmupSteps: true,
  alpha: true,
  name: true,
};

function checkFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`WarmupCosineDecay: ${what} must be a finite number, got ${String(value)}`);
  }
}

function checkSteps(value: number, what: string, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`WarmupCosineDecay: ${what} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * The learning rate at `step`:
 *
 * - `step < warmupSteps`: `maxLearningRate * step / warmupSteps`;
 * - otherwise: with `t = min(step - warmupSteps, totalSteps - warmupSteps)`,
 *   `maxLearningRate * ((1 - alpha) * 0.5 * (1 + cos(pi * t / (totalSteps - warmupSteps))) + alpha)`.
 *
 * So the rate rises linearly from 0 at step 0 to `maxLearningRate` at
 * `warmupSteps`, falls to `alpha * maxLearningRate` at `totalSteps`, and
 * stays there. Computed in float64; the Python class computes in the dtype
 * of `max_learning_rate` (float32 for a Python float), so the two agree to
 * float32 precision (about 1e-7 relative).
 *
 * Use it with a TensorFlow.js optimizer by setting the optimizer's rate
 * before each update: `ContrastiveModel.fit({ learningRateSchedule })` does
 * so in its training loop, `LearningRateScheduler` does so in tfjs-layers'
 * `model.fit`, and `setLearningRate(optimizer, schedule.call(step))` does so
 * in a loop of your own.
 */
export class WarmupCosineDecay implements LearningRateSchedule {
  readonly maxLearningRate: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly alpha: number;
  readonly name: string | null;

  /**
   * @param maxLearningRate the rate reached at the end of the warmup.
   * @param totalSteps steps of the whole schedule (warmup included).
   * @param warmupSteps steps of the linear warmup; must be less than `totalSteps`.
   * @param alpha the final rate as a fraction of `maxLearningRate`. Default 0.
   * @param name optional name (Python: defaults to 'WarmupCosineDecay' in the op scope).
   */
  constructor(maxLearningRate: number, totalSteps: number, warmupSteps: number, alpha = 0, name: string | null = null) {
    checkFinite(maxLearningRate, 'maxLearningRate');
    checkSteps(totalSteps, 'totalSteps', 1);
    checkSteps(warmupSteps, 'warmupSteps', 0);
    checkFinite(alpha, 'alpha');
    // The Python class's own check and message.
    if (warmupSteps >= totalSteps) {
      throw new ValueError(`warmup_steps must be less than the total steps: warmupSteps ${warmupSteps} >= totalSteps ${totalSteps}`);
    }
    this.maxLearningRate = maxLearningRate;
    this.totalSteps = totalSteps;
    this.warmupSteps = warmupSteps;
    this.alpha = alpha;
    this.name = name;
  }

  call(step: number): number {
    if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
      throw new ValueError(`WarmupCosineDecay: step must be a finite number >= 0, got ${String(step)}`);
    }
    // warmupSteps > 0 here, so no division by zero (Python's divide_no_nan).
    if (step < this.warmupSteps) return (step / this.warmupSteps) * this.maxLearningRate;
    const decaySteps = this.totalSteps - this.warmupSteps;
    const completedFraction = Math.min(step - this.warmupSteps, decaySteps) / decaySteps;
    const cosineDecayed = 0.5 * (1 + Math.cos(Math.PI * completedFraction));
    const decayed = (1 - this.alpha) * cosineDecayed + this.alpha;
    return this.maxLearningRate * decayed;
  }

  getConfig(): WarmupCosineDecayConfig {
    return {
      maxLearningRate: this.maxLearningRate,
      totalSteps: this.totalSteps,
      warmupSteps: this.warmupSteps,
      alpha: this.alpha,
      name: this.name,
    };
  }

  /**
   * From `getConfig()`, the Python `get_config()` (`max_learning_rate`, ...)
   * or its Keras `{ class_name, config }`; an unknown key is an error.
   */
  static fromConfig(given: WarmupCosineDecayConfig | Record<string, unknown> | KerasObject): WarmupCosineDecay {
    if (typeof given !== 'object' || given === null) {
      throw new ValueError(`WarmupCosineDecay.fromConfig needs an object, got ${String(given)}`);
    }
    const keras = readSerializedObject(given);
    const config = fromPythonKeys(
      keras ? keras.config : (given as Record<string, unknown>),
      'WarmupCosineDecay',
    ) as unknown as WarmupCosineDecayConfig;
    checkOptions(config, CONFIG_KEYS, 'WarmupCosineDecay');
    return new WarmupCosineDecay(config.maxLearningRate, config.totalSteps, config.warmupSteps, config.alpha ?? 0, config.name ?? null);
  }
}
