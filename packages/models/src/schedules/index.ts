export { type LearningRateSchedule, WarmupCosineDecay, type WarmupCosineDecayConfig } from './warmup-cosine-decay';
export { LearningRateScheduler, type LearningRateScheduleLike, optimizerStep, scheduledRate, setLearningRate } from './optimizer';
