import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setupBackend } from '@tfsim/utils';

import { buildModel, type CnnOptions, describeCnn } from '../src/supervised/model';

/** The notebook CNN and its options, against hand-counted weights and the head's input size. */
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

const cnn = (options: CnnOptions = {}, seed = 3) =>
  buildModel({ height: 28, width: 28, architecture: 'notebook', embeddingSize: 64, seed, ...options });

/** The width of the features that the MetricEmbedding (the last layer) takes. */
const headInputs = (model: tfl.LayersModel) => (model.layers.at(-1)!.getInputAt(0) as tfl.SymbolicTensor).shape[1];

// Convolutions 3x3 from 1 channel: 28 -> 26 -> 24, pool 12 -> 10 -> 8 ('valid').
// Weights of conv 1 -> 32, 32 -> 32, 32 -> 64, 64 -> 64 (biases included):
// 320 + 9,248 + 18,496 + 36,928 = 64,992.
const CONVS = 64_992;
const embedding = (inputs: number) => inputs * 64 + 64;

describe('buildModel (notebook CNN)', () => {
  it('flattens 8 x 8 x 64 into the embedding by default, as the Python notebook does', () => {
    const model = cnn();
    expect(headInputs(model)).toBe(4096);
    expect(model.countParams()).toBe(CONVS + embedding(4096)); // 327,200
    model.dispose();
  });

  it('pools before the embedding: one input per channel (average), or 4 x 4 x 64 (max-pool, flatten)', () => {
    const average = cnn({ head: 'average' });
    expect(headInputs(average)).toBe(64);
    expect(average.countParams()).toBe(CONVS + embedding(64)); // 69,152
    const max = cnn({ head: 'max-flatten' });
    expect(headInputs(max)).toBe(1024);
    expect(max.countParams()).toBe(CONVS + embedding(1024)); // 130,592
    [average, max].forEach((m) => m.dispose());
  });

  it('averages the last feature maps with the average head: its embedding is that of their spatial mean', () => {
    // Independent reference: the same model cut before the pooling, averaged here, then the embedding layer.
    const model = cnn({ head: 'average' });
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 7);
    const pooling = model.layers.at(-2)!;
    const maps = tfl.model({ inputs: model.inputs, outputs: pooling.getInputAt(0) as tfl.SymbolicTensor });
    const [expected, actual] = tf.tidy(() => {
      const mean = tf.mean(maps.predict(x) as tf.Tensor4D, [1, 2]);
      return [model.layers.at(-1)!.apply(mean) as tf.Tensor, model.predict(x) as tf.Tensor];
    });
    expect(actual.shape).toEqual([2, 64]);
    const [e, a] = [expected.dataSync(), actual.dataSync()];
    e.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 5));
    tf.dispose([x, expected, actual]);
    model.dispose();
  });

  it('puts BatchNorm after each convolution (no conv bias, 4 numbers a channel)', () => {
    // 192 biases fewer, 4 x (32 + 32 + 64 + 64) = 768 BatchNorm numbers more.
    const model = cnn({ batchNorm: true });
    expect(model.countParams()).toBe(CONVS - 192 + 768 + embedding(4096)); // 327,776
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(4);
    model.dispose();
  });

  it('adds a third block (max-pool, conv 128, 128 with same padding) on the 4 x 4 maps', () => {
    // Without conv biases: 288 + 9,216 + 18,432 + 36,864 + 73,728 + 147,456 = 285,984;
    // BatchNorm 4 x (32 + 32 + 64 + 64 + 128 + 128) = 1,792.
    const model = cnn({ thirdBlock: true, batchNorm: true, head: 'average' });
    expect(headInputs(model)).toBe(128);
    expect(model.countParams()).toBe(285_984 + 1_792 + embedding(128)); // 296,032
    const flat = cnn({ thirdBlock: true });
    expect(headInputs(flat)).toBe(4 * 4 * 128);
    [model, flat].forEach((m) => m.dispose());
  });

  it('drops out before the embedding only in training: from the same weights, inference matches the model without it', () => {
    const plain = cnn({}, 5);
    const dropped = cnn({ dropout: 0.5 }, 5);
    expect(dropped.layers.at(-2)!.getClassName()).toBe('Dropout');
    expect(dropped.countParams()).toBe(plain.countParams());
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11);
    const [a, b, trained] = tf.tidy(() => [
      plain.predict(x) as tf.Tensor,
      dropped.predict(x) as tf.Tensor,
      dropped.apply(x, { training: true }) as tf.Tensor,
    ]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(trained.dataSync())).not.toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, trained]);
    [plain, dropped].forEach((m) => m.dispose());
  });

  it('refuses a dropout rate outside [0, 1) and an unknown head', () => {
    expect(() => cnn({ dropout: 1 })).toThrow('the dropout rate must be in [0, 1), got 1');
    expect(() => cnn({ dropout: Number.NaN })).toThrow('the dropout rate must be in [0, 1), got NaN');
    expect(() => cnn({ head: 'sum' as CnnOptions['head'] })).toThrow('unknown CNN head "sum" (flatten, max-flatten, average)');
  });
});

describe('describeCnn', () => {
  it('names the notebook CNN and its changes, none for the notebook itself', () => {
    expect(describeCnn()).toBe("the Python notebook's CNN");
    expect(describeCnn({ head: 'flatten', dropout: 0 })).toBe("the Python notebook's CNN");
    expect(describeCnn({ thirdBlock: true, batchNorm: true, head: 'average', dropout: 0.3 })).toBe(
      "the Python notebook's CNN with BatchNorm, a third block (conv 128, 128), global average pooling, dropout 0.3",
    );
    expect(describeCnn({ head: 'max-flatten' })).toBe("the Python notebook's CNN with max-pool before the flatten");
  });
});
