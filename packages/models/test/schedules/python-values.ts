/**
 * WarmupCosineDecay values from the Python library (tensorflow_similarity
 * 0.18 schedules.py on TensorFlow 2.21 / Keras 3, whose CosineDecay computes
 * as Keras 2's did), float32 as Python computes them for a float maximum.
 * Produced by tools/reference/models_schedules_reference.py.
 */
export const PYTHON_WARMUP_COSINE_DECAY: {
  maxLearningRate: number;
  totalSteps: number;
  warmupSteps: number;
  alpha: number;
  steps: number[];
  values: number[];
}[] = [
  {
    maxLearningRate: 1.0,
    totalSteps: 1000,
    warmupSteps: 500,
    alpha: 0.0,
    steps: [0, 250, 500, 750, 1000, 1250],
    values: [0.0, 0.5, 1.0, 0.4999999701976776, 0.0, 0.0],
  },
  {
    maxLearningRate: 1.0,
    totalSteps: 1000,
    warmupSteps: 500,
    alpha: 0.1,
    steps: [0, 250, 500, 750, 1000, 1250],
    values: [0.0, 0.5, 1.0, 0.5499999523162842, 0.10000000149011612, 0.10000000149011612],
  },
  {
    maxLearningRate: 0.003,
    totalSteps: 937,
    warmupSteps: 93,
    alpha: 0.0,
    steps: [0, 1, 5, 46, 92, 93, 94, 200, 468, 700, 936, 937, 2000],
    values: [
      0.0, 3.2258063583867624e-5, 0.00016129032883327454, 0.0014838710194453597, 0.0029677420388907194, 0.003000000026077032,
      0.0029999895486980677, 0.002882592845708132, 0.0017610830254852772, 0.0005467924638651311, 1.037120789249002e-8, 0.0, 0.0,
    ],
  },
  {
    maxLearningRate: 0.05,
    totalSteps: 120,
    warmupSteps: 0,
    alpha: 0.25,
    steps: [0, 1, 7, 30, 59, 60, 61, 119, 120, 500],
    values: [
      0.05000000074505806, 0.04999357461929321, 0.04968602955341339, 0.044508256018161774, 0.03174081817269325, 0.03125,
      0.030759179964661598, 0.012506425380706787, 0.012500000186264515, 0.012500000186264515,
    ],
  },
  {
    maxLearningRate: 0.12,
    totalSteps: 10,
    warmupSteps: 3,
    alpha: 0.0,
    steps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    values: [
      0.0, 0.03999999910593033, 0.07999999821186066, 0.11999999731779099, 0.11405812203884125, 0.09740938246250153, 0.07335124909877777,
      0.04664873331785202, 0.022590601816773415, 0.005941865500062704, 0.0, 0.0,
    ],
  },
];
