import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend } from '@tfsim/test-utils';

import {
  applyTrainable,
  buildEfficientNetSim,
  buildResNet18Sim,
  buildResNet50Sim,
  countTrainableParams,
  EFFICIENTNET_PARTIAL,
  type SimilarityGraph,
} from '../src';
import { fastestBackend, graphModel, REFERENCE_COUNTS } from './helpers';

/**
 * Parameter counts against the Python library's. The reference numbers were
 * computed by tools/reference/architectures_counts_reference.py with tensorflow_similarity 0.18 on
 * TensorFlow 2.21 / Keras 3.15 (`model.count_params()` and the size of
 * `model.trainable_weights`, input 32x32x3) and are written out here as
 * literals; the test also checks them against that script's JSON output
 * (test/fixtures/reference-counts.json).
 * B2 scales both width and depth; B1 and B3 to B7 also match (checked once
 * against the same JSON; each takes seconds to build under jest, so they are
 * left out of the suite, and options.test.ts checks their width/depth
 * rounding against Keras' formulas).
 */
const SHAPE: [number, number, number] = [32, 32, 3];

const CASES: [string, number, number, number[], () => Promise<SimilarityGraph>][] = [
  ['ResNet18Sim', 11_248_448, 11_238_720, [128], async () => buildResNet18Sim(SHAPE)],
  [
    'ResNet18Sim(embedding_size=64, l2_norm=False)',
    11_215_616,
    11_205_888,
    [64],
    async () => buildResNet18Sim(SHAPE, { embeddingSize: 64, l2Norm: false }),
  ],
  ['ResNet18Sim(pooling=None)', 11_182_784, 11_173_056, [4, 4, 512], async () => buildResNet18Sim(SHAPE, { pooling: null })],
  ['ResNet50Sim(trainable=full)', 23_849_984, 23_796_864, [128], () => buildResNet50Sim(SHAPE, { trainable: 'full' })],
  ['ResNet50Sim(trainable=partial)', 23_849_984, 15_238_272, [128], () => buildResNet50Sim(SHAPE, { trainable: 'partial' })],
  ['ResNet50Sim(trainable=frozen)', 23_849_984, 262_272, [128], () => buildResNet50Sim(SHAPE, { trainable: 'frozen' })],
  [
    'ResNet50Sim(trainable=full, include_top=False)',
    23_587_712,
    23_534_592,
    [2048],
    () => buildResNet50Sim(SHAPE, { trainable: 'full', includeTop: false }),
  ],
  ['EfficientNetSim(variant=B0, trainable=full)', 4_213_539, 4_171_516, [128], () => buildEfficientNetSim(SHAPE, { trainable: 'full' })],
  ['EfficientNetSim(variant=B2, trainable=full)', 7_948_921, 7_881_346, [128], () => buildEfficientNetSim(SHAPE, { variant: 'B2' })],
];

describeEachBackend(
  'parameter counts equal the Python library',
  () => {
    it.each(CASES)('%s: %d parameters, %d trainable', async (key, total, trainable, outputShape, build) => {
      const reference = REFERENCE_COUNTS[key]!;
      expect([reference.total, reference.trainable, reference.output_shape]).toEqual([total, trainable, outputShape]);
      const model = graphModel(await build());
      expect(model.countParams()).toBe(total);
      expect(countTrainableParams(model)).toBe(trainable);
      expect(model.outputs[0]!.shape.slice(1)).toEqual(outputShape);
      model.dispose();
      expect(tf.memory().numTensors).toBeLessThan(10);
    });

    it('EfficientNetSim(variant=B0) partial / frozen: 3,862,856 / 163,968 trainable', async () => {
      // One B0 build (its random initialisation takes seconds under jest), re-frozen in place.
      const graph = await buildEfficientNetSim(SHAPE);
      const model = graphModel(graph);
      for (const [mode, expected] of [
        ['partial', 3_862_856],
        ['frozen', 163_968],
      ] as const) {
        expect(REFERENCE_COUNTS[`EfficientNetSim(variant=B0, trainable=${mode})`]!.trainable).toBe(expected);
        applyTrainable(graph.backbone, mode, EFFICIENTNET_PARTIAL, false);
        expect(countTrainableParams(model)).toBe(expected);
        expect(model.countParams()).toBe(4_213_539);
      }
      model.dispose();
    });
  },
  { only: [fastestBackend()] },
);
