import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectNoLeak, roundTripModel } from '@tfsim/test-utils';

import { buildEfficientNetSim, buildResNet18Sim, type SimilarityGraph } from '../src';
import { fastestBackend, graphModel } from './helpers';

/**
 * A built similarity model (the backbone nested inside, as in Python) saves
 * and reloads with plain tfjs: the custom layers (GeM, MetricEmbedding,
 * Normalization, FreezableBatchNormalization) are registered by
 * @tfsim/layers, and predictions come back bit for bit.
 */
describeEachBackend(
  'save and reload a built model',
  () => {
    const cases: [string, [number, number, number], () => Promise<SimilarityGraph>][] = [
      ['ResNet18Sim', [16, 16, 3], async () => buildResNet18Sim([16, 16, 3])],
      [
        'EfficientNetSim (small scaling, partial)',
        [32, 32, 3],
        () => buildEfficientNetSim([32, 32, 3], { variant: { width: 0.1, depth: 0.35 }, trainable: 'partial' }),
      ],
    ];
    it.each(cases)('%s: bit-identical predictions, same layers and trainable flags', async (_name, shape, build) => {
      const model = graphModel(await build());
      const x = tf.randomUniform([2, ...shape], 0, 255, 'float32', 5);
      const before = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      const loaded = await roundTripModel(model);
      const after = await expectNoLeak(() => {
        const y = loaded.predict(x) as tf.Tensor;
        const values = y.dataSync();
        y.dispose();
        return values;
      });
      expect(Array.from(after)).toEqual(Array.from(before));
      const inner = (m: tfl.LayersModel) => (m.layers[1] as tfl.LayersModel).layers.map((l) => [l.name, l.getClassName(), l.trainable]);
      expect(inner(loaded)).toEqual(inner(model));
      expect(loaded.countParams()).toBe(model.countParams());
      tf.dispose(x);
      model.dispose();
      loaded.dispose();
    });
  },
  { only: [fastestBackend()] },
);
