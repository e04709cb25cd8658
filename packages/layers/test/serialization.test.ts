import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectNoLeak, saveToMemory, tempDir } from '@tfsim/test-utils';

import {
  ActivationStdLoggingLayer,
  FreezableBatchNormalization,
  GeneralizedMeanPooling1D,
  GeneralizedMeanPooling2D,
  MetricEmbedding,
  NonAffineBatchNormalization,
  Normalization,
} from '../src';
import { seededValues } from './reference';

/** image -> Normalization -> conv -> frozen BN -> GeM 2D (p=3) -> std logger -> MetricEmbedding. */
function imageModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 4, 3] });
  let x = new Normalization({ mean: [0.5, -0.25, 1], variance: [2, 0.5, 1] }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  const bn = new FreezableBatchNormalization({ epsilon: 1.001e-5 });
  x = bn.apply(x) as tfl.SymbolicTensor;
  bn.trainable = false;
  x = new GeneralizedMeanPooling2D({ p: 3, name: 'gem_pool' }).apply(x) as tfl.SymbolicTensor;
  x = new ActivationStdLoggingLayer({ name: 'pooled_std' }).apply(x) as tfl.SymbolicTensor;
  const output = new MetricEmbedding({ units: 4, name: 'metric_embedding' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'image_model' });
}

/** sequence (channels first) -> GeM 1D (p=+inf, keepdims) -> flatten -> GeM-free embedding. */
function sequenceModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [3, 6] });
  let x = new GeneralizedMeanPooling1D({ p: Infinity, dataFormat: 'channelsFirst', keepdims: true }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const y = new GeneralizedMeanPooling1D({ p: 0 }).apply(input) as tfl.SymbolicTensor;
  const merged = tfl.layers.concatenate().apply([x, y]) as tfl.SymbolicTensor;
  const output = new MetricEmbedding({ units: 3 }).apply(merged) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

function predictValues(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}

describeEachBackend('layers serialisation', ({ backend }) => {
  it('each layer rebuilds from its config with the same config', () => {
    const layers = [
      new MetricEmbedding({ units: 8, useBias: false, activation: 'tanh' }),
      new GeneralizedMeanPooling2D({ p: 0, dataFormat: 'channelsFirst', keepdims: true }),
      new GeneralizedMeanPooling1D({ p: -Infinity }),
      new ActivationStdLoggingLayer({ name: 'std' }),
      new Normalization({ mean: [1, 2], variance: [3, 4] }),
      new FreezableBatchNormalization({ momentum: 0.9 }),
    ];
    for (const layer of layers) {
      const cls = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()]![0];
      const rebuilt = (cls as unknown as { fromConfig(c: unknown, config: tf.serialization.ConfigDict): tfl.layers.Layer }).fromConfig(
        cls,
        layer.getConfig(),
      );
      expect(rebuilt.constructor).toBe(layer.constructor);
      expect(rebuilt.getConfig()).toEqual(layer.getConfig());
    }
  });

  it('model JSON uses the Python config names and reloads through modelFromJSON', async () => {
    const model = imageModel();
    const json = model.toJSON(null, false) as unknown as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const gem = json.config.layers.find((l) => l.class_name === 'GeneralizedMeanPooling2D')!;
    expect(gem.config).toMatchObject({ p: 3, data_format: 'channels_last', keepdims: false, name: 'gem_pool' });
    const embedding = json.config.layers.find((l) => l.class_name === 'MetricEmbedding')!;
    expect(embedding.config).toMatchObject({ units: 4, activation: 'linear', use_bias: true });
    const rebuilt = await tfl.models.modelFromJSON({ modelTopology: json } as unknown as tf.io.ModelJSON);
    expect(rebuilt.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(rebuilt.countParams()).toBe(model.countParams());
    model.dispose();
    rebuilt.dispose();
  });

  it.each([
    ['image', imageModel, [2, 5, 4, 3]],
    ['sequence', sequenceModel, [3, 3, 6]],
  ] as const)('%s model: save and load through tf.io memory gives bit-identical predictions', async (_name, build, shape) => {
    const model = build();
    const x = tf.tensor(
      seededValues(
        shape.reduce((a, b) => a * b, 1),
        42,
        -1,
        2,
      ),
      [...shape],
    );
    const before = predictValues(model, x);
    const artifacts = await saveToMemory(model);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const after = await expectNoLeak(() => predictValues(loaded, x));
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(loaded.layers.map((l) => l.trainable)).toEqual(model.layers.map((l) => l.trainable));
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  if (backend === 'tensorflow') {
    const dir = tempDir('tfsim-layers-');
    it('save and load through tfjs-node file:// gives bit-identical predictions', async () => {
      const model = imageModel();
      const x = tf.tensor(seededValues(2 * 5 * 4 * 3, 7), [2, 5, 4, 3]);
      const before = predictValues(model, x);
      await model.save(`file://${dir}/image`);
      const loaded = await tfl.loadLayersModel(`file://${dir}/image/model.json`);
      expect(Array.from(predictValues(loaded, x))).toEqual(Array.from(before));
      x.dispose();
      model.dispose();
      loaded.dispose();
    });
  }
});

describe('layer arguments', () => {
  it('every layer rejects an unknown key with a suggestion, and takes tfjs LayerArgs (passed through) and its own', () => {
    expect(() => new MetricEmbedding({ units: 4, use_bias: false } as never)).toThrow(
      "unknown option 'use_bias' for MetricEmbedding; did you mean 'useBias'?",
    );
    expect(() => new GeneralizedMeanPooling2D({ data_format: 'channels_first' } as never)).toThrow(
      "unknown option 'data_format' for GeneralizedMeanPooling2D; did you mean 'dataFormat'?",
    );
    expect(() => new Normalization({ axs: -1 } as never)).toThrow("did you mean 'axis'?");
    expect(() => new FreezableBatchNormalization({ moment: 0.9 } as never)).toThrow("did you mean 'momentum'?");
    expect(() => new NonAffineBatchNormalization({ epsilom: 1e-3 } as never)).toThrow("did you mean 'epsilon'?");
    expect(() => new ActivationStdLoggingLayer({ name: 'std', trainabel: false } as never)).toThrow("did you mean 'trainable'?");
    const embedding = new MetricEmbedding({ units: 4, useBias: false, name: 'emb', trainable: false, inputShape: [3] });
    expect([embedding.name, embedding.trainable, (embedding.getConfig() as { useBias: boolean }).useBias]).toEqual(['emb', false, false]);
    // A layer's own config comes back through fromConfig (tfjs adds customObjects): every key of it is accepted.
    for (const layer of [
      new NonAffineBatchNormalization({ momentum: 0.9 }),
      new FreezableBatchNormalization(),
      embedding,
      new Normalization(),
    ]) {
      const cls = layer.constructor as new (args: unknown) => tfl.layers.Layer;
      expect(new cls({ ...layer.getConfig(), customObjects: {} }).getConfig()).toEqual(layer.getConfig());
    }
    const gem = new GeneralizedMeanPooling1D({ p: 2, keepdims: true, dtype: 'float32' });
    expect([gem.p, gem.keepdims]).toEqual([2, true]);
  });
});
