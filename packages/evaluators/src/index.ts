/**
 * Evaluation and calibration of lookups: retrieval metrics, classification
 * metrics at distance thresholds, and the thresholds that meet targets.
 */
export { MemoryEvaluator, lastArgExtreme } from './memory-evaluator';
export { deserializeEvaluator, evaluatorName, makeEvaluator, registerEvaluator, serializeEvaluator } from './registry';
export type * from './types';
export { PADDING_LABEL, roundDistance, unpackLookupDistances, unpackLookupLabels } from './unpack';
