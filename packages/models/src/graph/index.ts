/** Graph-mode training on the native TensorFlow backend: see graph-trainer.ts. */
export { type AdamFusion, GraphTrainer, type GraphReport, type GraphTrainerOptions, type JsCounter, type TrainStep } from './graph-trainer';
export { stdLayerCounters } from './counters';
export { graphModeBlocker, reportFallback, reportNote } from './policy';
export { StatelessDropout, dropoutSeed, hasRandomLayers, statelessDropout } from './dropout';
export { activeNativeBackend } from './native';
export { actsPerBatch } from './batch-sync';
export { opLibraryPath } from './op-library';
export { useFusedGradients, withFusedGradients } from './fused-gradients';
export type { StepDescription } from './compiled-step';
