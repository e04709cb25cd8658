import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend } from '@tfsim/test-utils';

import { buildEfficientNetSim, type TrainableMode } from '../src';
import { fastestTrainingBackend, graphModel } from './helpers';

const SMALL = { width: 0.1, depth: 0.35 };

function snapshot(model: tfl.LayersModel, layer: string, index = 0): number[] {
  const backbone = model.getLayer('efficientnet') as tfl.LayersModel;
  return Array.from(backbone.getLayer(layer).getWeights()[index]!.dataSync());
}

/** Two fit steps towards random targets; which weights moved. */
async function train(trainable: TrainableMode): Promise<{ changed: (layer: string, index?: number) => boolean; numTensors: number[] }> {
  const model = graphModel(await buildEfficientNetSim([32, 32, 3], { variant: SMALL, trainable }));
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
  const watched: [string, number][] = [
    ['stem_conv', 0],
    ['block1a_dwconv', 0],
    ['block1a_bn', 2], // moving mean
    ['block6a_expand_conv', 0],
    ['block6a_bn', 2],
    ['top_conv', 0],
  ];
  const before = new Map(watched.map(([l, i]) => [`${l}:${i}`, snapshot(model, l, i)]));
  const head = Array.from(model.getLayer('metric_embedding').getWeights()[0]!.dataSync());
  const x = tf.randomUniform([4, 32, 32, 3], 0, 255, 'float32', 1);
  const y = tf.randomNormal([4, 128], 0, 1, 'float32', 2);
  const numTensors: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    numTensors.push(tf.memory().numTensors);
  }
  const after = new Map(watched.map(([l, i]) => [`${l}:${i}`, snapshot(model, l, i)]));
  expect(Array.from(model.getLayer('metric_embedding').getWeights()[0]!.dataSync())).not.toEqual(head);
  tf.dispose([x, y]);
  model.dispose();
  return {
    changed: (layer, index = 0) => JSON.stringify(before.get(`${layer}:${index}`)) !== JSON.stringify(after.get(`${layer}:${index}`)),
    numTensors,
  };
}

/**
 * The trainable modes control what fit changes, batch normalisation
 * included: a frozen layer runs in inference mode and keeps its moving
 * statistics (Keras semantics), a trainable one updates them. Run on the
 * fastest backend with every gradient kernel (wasm lacks Conv2DBackpropFilter).
 */
describeEachBackend(
  'training respects the trainable modes',
  () => {
    it("'frozen': only the embedding trains; no backbone weight or statistic moves", async () => {
      const { changed, numTensors } = await train('frozen');
      expect(['stem_conv', 'block1a_dwconv', 'block6a_expand_conv', 'top_conv'].map((l) => changed(l))).toEqual([
        false,
        false,
        false,
        false,
      ]);
      expect([changed('block1a_bn', 2), changed('block6a_bn', 2)]).toEqual([false, false]);
      // No tensors pile up from one epoch to the next.
      expect(numTensors[2]).toBe(numTensors[1]);
    });

    it("'partial': block5 to block7 and top train (their batch-norm statistics move), the rest stays", async () => {
      const { changed } = await train('partial');
      expect(['stem_conv', 'block1a_dwconv', 'block6a_expand_conv', 'top_conv'].map((l) => changed(l))).toEqual([false, false, true, true]);
      expect([changed('block1a_bn', 2), changed('block6a_bn', 2)]).toEqual([false, true]);
    });

    it("'full': everything trains", async () => {
      const { changed } = await train('full');
      expect(['stem_conv', 'block1a_dwconv', 'block6a_expand_conv', 'top_conv'].map((l) => changed(l))).toEqual([true, true, true, true]);
      expect([changed('block1a_bn', 2), changed('block6a_bn', 2)]).toEqual([true, true]);
    });
  },
  { only: [fastestTrainingBackend()] },
);
