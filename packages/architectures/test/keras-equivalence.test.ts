import { existsSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { buildResNet18Sim, createEfficientNetBackbone, createResNet50Backbone, loadWeights } from '../src';
import { fastestBackend, graphModel, type KerasCase, readKerasCase } from './helpers';

/** Runs `model` on the case's input and compares with Keras' output. */
async function compareWithKeras(model: LayersModel, dir: string, kerasCase: KerasCase, tol: { atol: number; rtol: number }): Promise<void> {
  const result = await loadWeights(model, dir);
  expect(result.unused).toEqual([]);
  expect(model.countParams()).toBe(kerasCase.params);
  const x = tf.tensor(kerasCase.input, kerasCase.inputShape);
  const y = await expectNoLeak(() => model.predict(x) as tf.Tensor, 1);
  expect(y.shape).toEqual(kerasCase.outputShape);
  expectClose(y, kerasCase.output, tol);
  tf.dispose([x, y]);
}

/**
 * keras.applications' EfficientNet with small width/depth coefficients and
 * randomised weights (batch-norm statistics and Normalization included),
 * written by tools/make_keras_fixture.py: the same weights in our graph give
 * Keras' output. This checks the graph itself (padding, depthwise
 * convolutions, squeeze-excitation, swish, skips, rescaling, normalisation),
 * not only its parameter count.
 */
const SMALL = join(__dirname, 'fixtures', 'keras-efficientnet-small');

describeEachBackend('EfficientNet graph equals Keras (small coefficients)', () => {
  it('loads the converted Keras weights by name and reproduces its output', async () => {
    const kerasCase = readKerasCase(SMALL);
    const backbone = createEfficientNetBackbone(kerasCase.inputShape.slice(1) as [number, number, number], {
      width: kerasCase.width!,
      depth: kerasCase.depth!,
    });
    // Measured: max difference 3e-7 on outputs up to 1.2 (native backend).
    await compareWithKeras(backbone, SMALL, kerasCase, { atol: 1e-5, rtol: 1e-5 });
    backbone.dispose();
  });
});

/**
 * Full-size cases, too large to commit: written by
 * `tools/make_keras_fixture.py --full DIR` (the Python library's ResNet18Sim,
 * keras.applications' ResNet50 and EfficientNetB0 backbones, randomised), run
 * when TFSIM_KERAS_CHECK_DIR=DIR is set.
 */
const FULL = process.env.TFSIM_KERAS_CHECK_DIR;
if (FULL && existsSync(FULL)) {
  describeEachBackend(
    'full-size backbones equal Keras',
    () => {
      const cases: [string, (shape: [number, number, number]) => LayersModel][] = [
        ['resnet18sim', (shape) => graphModel(buildResNet18Sim(shape))],
        ['resnet50', (shape) => createResNet50Backbone(shape)],
        ['efficientnetb0', (shape) => createEfficientNetBackbone(shape, 'B0')],
      ];
      it.each(cases)('%s', async (name, build) => {
        const dir = join(FULL, name);
        const kerasCase = readKerasCase(dir);
        const model = build(kerasCase.inputShape.slice(1) as [number, number, number]);
        // Measured: max differences 2e-7 (ResNet18Sim), 3e-5 on outputs up to 27 (ResNet50), 7e-7 (B0).
        await compareWithKeras(model, dir, kerasCase, { atol: 1e-4, rtol: 1e-5 });
        model.dispose();
      });
    },
    { only: [fastestBackend()] },
  );
}
