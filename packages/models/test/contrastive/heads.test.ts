import * as tf from '@tensorflow/tfjs-core';
import { input, layers, type LayersModel, model, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ActivationStdLoggingLayer, NonAffineBatchNormalization } from '@tfsim/layers';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { ValueError } from '@tfsim/utils';

import { BN_EPSILON, createContrastiveModel, getPredictor, getProjector } from '../../src';
import { PYTHON_HEADS, type PythonHead } from './python-heads';

function describeHead(m: LayersModel): PythonHead {
  const size = (ws: { shape: (number | null)[] }[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  return {
    total: m.countParams(),
    trainable: size(m.trainableWeights),
    nonTrainable: size(m.nonTrainableWeights),
    layers: m.layers.map((l) => [l.name, l.countParams()] as [string, number]),
  };
}

function denseBackbone(inputDim: number, width: number): LayersModel {
  const inputs = input({ shape: [inputDim] });
  return model({ inputs, outputs: layers.dense({ units: width }).apply(inputs) as SymbolicTensor });
}

describe('default heads (sizes and parameter counts of the Python library)', () => {
  it('projector: 2 layers of 512 on a 64-wide backbone, as create_contrastive_model builds it', () => {
    const projector = getProjector(64, { numLayers: 2 });
    // Python (Keras): 297,984 parameters, 295,936 trainable (two bias-free kernels, one BN's gamma and beta), 2,048 moving statistics.
    expect(describeHead(projector)).toEqual(PYTHON_HEADS.projector_in64_layers2);
    expect(projector.outputs[0]!.shape).toEqual([null, 512]);
    projector.dispose();
  });

  it('projector: 2 layers on a 512-wide backbone, and the 3-layer default of get_projector', () => {
    const p512 = getProjector(512, { numLayers: 2 });
    expect(describeHead(p512)).toEqual(PYTHON_HEADS.projector_in512_layers2);
    const p3 = getProjector(64);
    expect(describeHead(p3)).toEqual(PYTHON_HEADS.projector_in64_layers3);
    p512.dispose();
    p3.dispose();
  });

  it('predictor: 512 -> 512 (bottleneck) -> 512 with a biased output, and a custom hidden width', () => {
    const predictor = getPredictor(512);
    // Python: 526,848 parameters, 525,824 trainable.
    expect(describeHead(predictor)).toEqual(PYTHON_HEADS.predictor_in512);
    const small = getPredictor(32, { hiddenDim: 8 });
    expect(describeHead(small)).toEqual(PYTHON_HEADS.predictor_in32_hidden8);
    predictor.dispose();
    small.dispose();
  });

  it('layer settings: bias-free LeCun-uniform kernels, BN epsilon 1.001e-5 and momentum 0.99, no center/scale at the output', () => {
    const projector = getProjector(8, { dim: 16, numLayers: 2 });
    const config = (name: string) => projector.getLayer(name).getConfig();
    expect(config('projector_layer_0')).toMatchObject({ useBias: false, units: 16 });
    expect((config('projector_layer_0').kernelInitializer as { className: string; config: object }).config).toMatchObject({
      scale: 1,
      mode: 'fanIn',
      distribution: 'uniform',
    });
    expect(config('batch_normalization_0')).toMatchObject({ epsilon: BN_EPSILON, momentum: 0.99, center: true, scale: true });
    expect(config('batch_normalization_ouput')).toMatchObject({ epsilon: BN_EPSILON, center: false, scale: false });
    expect(projector.getLayer('proj_std')).toBeInstanceOf(ActivationStdLoggingLayer);
    expect(projector.getLayer('relu_activation_0').getConfig()).toMatchObject({ activation: 'relu' });
    projector.dispose();
  });

  it('createContrastiveModel: projector on the backbone width, predictor only for SimSiam', () => {
    const simsiam = createContrastiveModel(denseBackbone(10, 24), { projectorDim: 32, predictorHiddenDim: 8 });
    expect(simsiam.algorithm).toBe('simsiam');
    expect(simsiam.projector.inputs[0]!.shape).toEqual([null, 24]);
    expect(simsiam.projector.outputs[0]!.shape).toEqual([null, 32]);
    expect(simsiam.predictor!.getLayer('predictor_layer_0').getConfig()).toMatchObject({ units: 8 });
    expect(simsiam.predictor!.outputs[0]!.shape).toEqual([null, 32]);
    // Two Dense layers in the default projector, as Python's create_contrastive_model.
    expect(simsiam.projector.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(2);
    for (const algorithm of ['simclr', 'barlow', 'vicreg']) {
      const m = createContrastiveModel(denseBackbone(10, 24), { algorithm, projectorDim: 16 });
      expect(m.predictor).toBeNull();
      m.dispose();
    }
    simsiam.dispose();
  });

  it('rejects bad sizes with the argument named', () => {
    expect(() => getProjector(0)).toThrow(/getProjector: inputDim must be an integer >= 1, got 0/);
    expect(() => getProjector(8, { dim: 2.5 })).toThrow(/dim must be an integer/);
    expect(() => getProjector(8, { numLayers: 0 })).toThrow(/numLayers must be an integer >= 1/);
    expect(() => getPredictor(8, { hiddenDim: -1 })).toThrow(/getPredictor: hiddenDim must be an integer >= 1/);
  });
});

describeEachBackend('NonAffineBatchNormalization', ({ tol }) => {
  // Rows of a [4, 3] batch; per-column mean and (biased) variance by hand.
  const rows = [
    [1, 2, -3],
    [3, 2, 1],
    [5, 2, 0],
    [-1, 2, 6],
  ];
  const mean = [2, 2, 1];
  const variance = [5, 0, 10.5];

  function standardized(): number[][] {
    return rows.map((r) => r.map((v, j) => (v - mean[j]!) / Math.sqrt(variance[j]! + BN_EPSILON)));
  }

  it('training: standardises with the batch statistics and moves the moving ones by 1 - momentum', () => {
    const layer = new NonAffineBatchNormalization({ epsilon: BN_EPSILON, momentum: 0.9 });
    const x = tf.tensor2d(rows);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    expectClose(y, standardized(), 1e-4);
    const [movingMean, movingVariance] = layer.getWeights();
    // From 0 and 1: 0.9 * old + 0.1 * batch.
    expectClose(
      movingMean!,
      mean.map((m) => 0.1 * m),
      tol,
    );
    expectClose(
      movingVariance!,
      variance.map((v) => 0.9 + 0.1 * v),
      tol,
    );
    expect(layer.trainableWeights).toHaveLength(0);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('inference: standardises with the moving statistics', () => {
    const layer = new NonAffineBatchNormalization({ epsilon: 0.5 });
    const x = tf.tensor2d(rows);
    layer.apply(x, { training: false });
    layer.setWeights([tf.tensor1d([1, 0, -1]), tf.tensor1d([3.5, 1.5, 0.5])]);
    const y = layer.apply(x, { training: false }) as tf.Tensor;
    expectClose(
      y,
      rows.map((r) => r.map((v, j) => (v - [1, 0, -1][j]!) / Math.sqrt([3.5, 1.5, 0.5][j]! + 0.5))),
      1e-5,
    );
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('passes gradients through the batch statistics (sum of a standardised column has zero gradient)', () => {
    const layer = new NonAffineBatchNormalization();
    const x = tf.tensor2d(rows);
    const g = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t, { training: true }) as tf.Tensor))(x);
    // The standardised column sums to 0 whatever x is.
    expectClose(
      g,
      rows.map((r) => r.map(() => 0)),
      1e-4,
    );
    tf.dispose([x, g]);
    layer.dispose();
  });

  it('leaves no tensors behind and rejects center/scale and other axes', async () => {
    const layer = new NonAffineBatchNormalization();
    const x = tf.tensor2d(rows);
    layer.apply(x, { training: true });
    await expectNoLeak(() => {
      for (let i = 0; i < 5; i++) (layer.apply(x, { training: true }) as tf.Tensor).dispose();
    });
    x.dispose();
    layer.dispose();
    expect(() => new NonAffineBatchNormalization({ center: true } as never)).toThrow(ValueError);
    expect(() => new NonAffineBatchNormalization({ axis: 1 })).toThrow(/last axis only/);
  });
});
