/** Graph-mode training on the native TensorFlow backend: see graph-trainer.ts. */
export { GraphTrainer, type GraphReport, type TrainStep } from './graph-trainer';
export { graphModeBlocker, reportFallback } from './policy';
