/**
 * Driving a TensorFlow.js optimizer's learning rate from a schedule.
 * tfjs optimizers take a fixed number, not a schedule as Keras' do, so the
 * rate is set before each update from the optimizer's own step count.
 */
import type { Optimizer } from '@tensorflow/tfjs-core';
import { Callback, type LayersModel } from '@tensorflow/tfjs-layers';
import { ValueError } from '@tfsim/utils';

import type { LearningRateSchedule } from './warmup-cosine-decay';

/** A schedule object or a plain `(step) => rate` function. */
export type LearningRateScheduleLike = LearningRateSchedule | ((step: number) => number);

interface OptimizerWithRate {
  learningRate?: number;
  setLearningRate?: (rate: number) => void;
}

/** The rate of `schedule` at `step`, checked to be finite. */
export function scheduledRate(schedule: LearningRateScheduleLike, step: number): number {
  const rate = typeof schedule === 'function' ? schedule(step) : schedule.call(step);
  if (typeof rate !== 'number' || !Number.isFinite(rate)) {
    throw new ValueError(`the learning-rate schedule returned ${String(rate)} at step ${step}; it must return a finite number`);
  }
  return rate;
}

/**
 * Sets the learning rate of a tfjs optimizer (SGD, momentum, Adam, Adamax,
 * Adagrad, Adadelta, RMSProp). SGD and momentum cache the rate as a tensor,
 * which their `setLearningRate` refreshes; the others read `learningRate` at
 * each update.
 */
export function setLearningRate(optimizer: Optimizer, rate: number): void {
  if (typeof rate !== 'number' || !Number.isFinite(rate))
    throw new ValueError(`learning rate must be a finite number, got ${String(rate)}`);
  const o = optimizer as unknown as OptimizerWithRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else if (typeof o.learningRate === 'number') o.learningRate = rate;
  else throw new ValueError(`cannot set the learning rate of ${optimizer.getClassName()}: it has no numeric learningRate`);
}

/** The optimizer's update count (Keras' `optimizer.iterations`): the step of its next update. */
export function optimizerStep(optimizer: Optimizer): number {
  return optimizer.iterations;
}

/**
 * A tfjs-layers callback that sets the model's optimizer's learning rate
 * from `schedule` before every batch, at the optimizer's update count, as a
 * Keras optimizer given a LearningRateSchedule does:
 * `model.fit(x, y, { callbacks: [new LearningRateScheduler(schedule)] })`.
 * The last rate set is in the batch logs as `lr`.
 */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: LearningRateScheduleLike) {
    super();
    if (typeof schedule !== 'function' && (typeof schedule !== 'object' || schedule === null || typeof schedule.call !== 'function')) {
      throw new ValueError('LearningRateScheduler needs a schedule: an object with call(step) or a function of the step');
    }
  }

  override async onBatchBegin(_batch: number, logs?: Record<string, unknown>): Promise<void> {
    const optimizer = (this.model as LayersModel | undefined)?.optimizer;
    if (!optimizer) throw new ValueError('LearningRateScheduler: the model has no optimizer; compile it first');
    const rate = scheduledRate(this.schedule, optimizerStep(optimizer));
    setLearningRate(optimizer, rate);
    if (logs) logs.lr = rate;
  }
}
