/**
 * WarmupCosineDecay values from the Python library (tensorflow_similarity
 * 0.18 schedules.py on TensorFlow 2.21 / Keras 3, whose CosineDecay computes
 * as Keras 2's did), float32 as Python computes them for a float maximum:
 * python-values.json, written by tools/reference/models_schedules_reference.py.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WarmupCosineDecayCase {
  maxLearningRate: number;
  totalSteps: number;
  warmupSteps: number;
  alpha: number;
  steps: number[];
  values: number[];
}

export const PYTHON_WARMUP_COSINE_DECAY = JSON.parse(
  readFileSync(join(__dirname, 'python-values.json'), 'utf8'),
) as WarmupCosineDecayCase[];
