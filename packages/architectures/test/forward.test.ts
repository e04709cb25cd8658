import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose, expectNoLeak, tempDir } from '@tfsim/test-utils';

import { buildEfficientNetSim, buildResNet18Sim, buildResNet50Sim, loadWeights, saveWeights, type SimilarityGraph } from '../src';
import { fastestBackend, graphModel } from './helpers';

/**
 * Forward passes on every backend: batch 2, small images (16x16 for
 * ResNet18, whose stride-1 stem is the slowest on the pure-JS backend; 32x32,
 * Keras' minimum, for the others). The first backend saves its weights; the
 * others load them and must compute the same embeddings. EfficientNet runs
 * with small width/depth coefficients here (B0's random initialisation takes
 * seconds under jest); B0 itself runs on the fastest backend below.
 */
const CASES: [string, [number, number, number], () => Promise<SimilarityGraph>][] = [
  ['ResNet18Sim', [16, 16, 3], async () => buildResNet18Sim([16, 16, 3])],
  ['ResNet50Sim', [32, 32, 3], () => buildResNet50Sim([32, 32, 3])],
  [
    'EfficientNetSim (width 0.1, depth 0.35)',
    [32, 32, 3],
    () => buildEfficientNetSim([32, 32, 3], { variant: { width: 0.1, depth: 0.35 } }),
  ],
];

const dir = tempDir('tfsim-arch-forward-');
const reference = new Map<string, Float32Array>();

function images(shape: [number, number, number]): tf.Tensor4D {
  // Seeded pixel values in [0, 255].
  return tf.tidy(() => tf.floor(tf.randomUniform([2, ...shape], 0, 256, 'float32', 3)) as tf.Tensor4D);
}

describeEachBackend('backbone forward pass', () => {
  it.each(CASES)('%s: [2, 128] unit-norm embeddings, the same on every backend, no leak', async (name, shape, build) => {
    const model = graphModel(await build());
    const saved = `${dir}/${name.replace(/\W/g, '_')}`;
    if (reference.has(name)) await loadWeights(model, saved);
    else await saveWeights(model, saved);
    const x = images(shape);
    const y = await expectNoLeak(() => model.predict(x) as tf.Tensor, 1);
    expect(y.shape).toEqual([2, 128]);
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(y), 1)));
    expectClose(norms, [1, 1], 1e-5);
    const values = y.dataSync() as Float32Array;
    if (!reference.has(name)) reference.set(name, Float32Array.from(values));
    // Weights are freshly random each run: through EfficientNet's ~80 layers float32
    // round-off between backends (oneDNN's convolutions on native) reaches 2e-4 on
    // some draws; a wrong layer moves unit-norm embeddings by 1e-2 or more.
    else expectClose(values, reference.get(name)!, { atol: 5e-4, rtol: 1e-4 });
    tf.dispose([x, y, norms]);
    model.dispose();
  });
});

describeEachBackend(
  'head options',
  () => {
    const SHAPE: [number, number, number] = [16, 16, 3];
    async function outputShape(model: LayersModel): Promise<number[]> {
      const x = images(SHAPE);
      const y = model.predict(x) as tf.Tensor;
      const shape = y.shape;
      tf.dispose([x, y]);
      model.dispose();
      return shape;
    }

    it('pooling null returns the feature map (no top), avg / max pool it', async () => {
      expect(await outputShape(graphModel(buildResNet18Sim(SHAPE, { pooling: null })))).toEqual([2, 2, 2, 512]);
      expect(await outputShape(graphModel(buildResNet18Sim(SHAPE, { pooling: 'avg', includeTop: false })))).toEqual([2, 512]);
      const max = graphModel(buildResNet18Sim(SHAPE, { pooling: 'max', embeddingSize: 32 }));
      expect(max.layers.map((l) => l.name)).toEqual(['input', 'resnet18', 'max_pool', 'metric_embedding']);
      expect(await outputShape(max)).toEqual([2, 32]);
    });

    it('l2Norm false puts a plain Dense layer on top (rows not normalised)', async () => {
      const model = graphModel(buildResNet18Sim(SHAPE, { l2Norm: false, embeddingSize: 8 }));
      expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Model', 'GeneralizedMeanPooling2D', 'Dense']);
      expect(await outputShape(model)).toEqual([2, 8]);
    });

    it('EfficientNetSim B0 on 32x32 images: [2, 128] unit-norm embeddings', async () => {
      const model = graphModel(await buildEfficientNetSim([32, 32, 3]));
      expect(model.layers.map((l) => l.name)).toEqual(['input', 'efficientnetb0', 'gem_pool', 'metric_embedding']);
      const x = images([32, 32, 3]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 128]);
      const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(y), 1)));
      expectClose(norms, [1, 1], 1e-5);
      tf.dispose([x, y, norms]);
      model.dispose();
    });

    it('the GeM layer carries gemP and the Python layer names', () => {
      const graph = buildResNet18Sim(SHAPE, { gemP: 5 });
      const model = graphModel(graph);
      expect(model.name).toBe('resnet18sim');
      expect(graph.backbone.name).toBe('resnet18');
      expect(model.getLayer('gem_pool').getConfig()['p']).toBe(5);
      model.dispose();
    });
  },
  { only: [fastestBackend()] },
);
