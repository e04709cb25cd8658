/**
 * ResNet50 (keras.applications' ResNet50 without its classifier), as the
 * Python library's ResNet50Sim uses it: Keras' layer names and initialisers,
 * so that ImageNet weights converted from Keras load by name.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FreezableBatchNormalization } from '@tfsim/layers';
import { checkOptions, type OptionKeys } from '@tfsim/utils';

import type { HeadOptions, ImageShape, LayersModel, SimilarityGraph, SymbolicTensor, TrainableMode } from './common';
import { applyTrainable, buildSimilarityGraph, checkImageShape, checkTrainable, HEAD_OPTION_KEYS, resolveHead } from './common';
import { loadBackboneWeights, resolveWeightsOption } from './weights';

const BN_EPSILON = 1.001e-5;
/** The layers `trainable: 'partial'` leaves trainable (the Python pattern). */
export const RESNET50_PARTIAL = /^conv5|^top/;
/** Keras' applications refuse images smaller than this. */
const MIN_SIZE = 32;

function conv(filters: number, kernelSize: number, strides: number, name: string, padding: 'same' | 'valid' = 'valid'): tfl.layers.Layer {
  // Keras' Conv2D defaults: Glorot-uniform kernel, zero bias (tfjs' default kernel is Glorot-normal).
  return tfl.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: 'glorotUniform', name });
}

function bn(name: string): tfl.layers.Layer {
  return new FreezableBatchNormalization({ epsilon: BN_EPSILON, name });
}

function relu(name: string): tfl.layers.Layer {
  return tfl.layers.activation({ activation: 'relu', name });
}

/** A bottleneck block (1x1, 3x3, 1x1 with 4x expansion) with a projection or identity shortcut. */
function block(x: SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): SymbolicTensor {
  let shortcut = x;
  if (convShortcut) {
    shortcut = conv(4 * filters, 1, stride, `${name}_0_conv`).apply(x) as SymbolicTensor;
    shortcut = bn(`${name}_0_bn`).apply(shortcut) as SymbolicTensor;
  }
  let y = conv(filters, 1, stride, `${name}_1_conv`).apply(x) as SymbolicTensor;
  y = bn(`${name}_1_bn`).apply(y) as SymbolicTensor;
  y = relu(`${name}_1_relu`).apply(y) as SymbolicTensor;
  y = conv(filters, 3, 1, `${name}_2_conv`, 'same').apply(y) as SymbolicTensor;
  y = bn(`${name}_2_bn`).apply(y) as SymbolicTensor;
  y = relu(`${name}_2_relu`).apply(y) as SymbolicTensor;
  y = conv(4 * filters, 1, 1, `${name}_3_conv`).apply(y) as SymbolicTensor;
  y = bn(`${name}_3_bn`).apply(y) as SymbolicTensor;
  y = tfl.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as SymbolicTensor;
  return relu(`${name}_out`).apply(y) as SymbolicTensor;
}

function stage(x: SymbolicTensor, filters: number, blocks: number, stride: number, name: string): SymbolicTensor {
  let y = block(x, filters, stride, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block(y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/**
 * The ResNet50 feature extractor (`resnet50`): `[h, w, c]` images to a
 * `[h/32, w/32, 2048]` feature map, randomly initialised as Keras does.
 * ImageNet weights expect Keras' caffe-style preprocessing
 * (`keras.applications.resnet50.preprocess_input`: BGR, mean subtracted),
 * which, as in the Python library, is not part of the model.
 */
export function createResNet50Backbone(inputShape: ImageShape): LayersModel {
  const shape = checkImageShape(inputShape, MIN_SIZE, 'createResNet50Backbone');
  const inputs = tfl.input({ shape, name: 'resnet50_input' });
  let x = tfl.layers
    .zeroPadding2d({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'conv1_pad',
    })
    .apply(inputs) as SymbolicTensor;
  x = conv(64, 7, 2, 'conv1_conv').apply(x) as SymbolicTensor;
  x = bn('conv1_bn').apply(x) as SymbolicTensor;
  x = relu('conv1_relu').apply(x) as SymbolicTensor;
  x = tfl.layers
    .zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    })
    .apply(x) as SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as SymbolicTensor;
  x = stage(x, 64, 3, 1, 'conv2');
  x = stage(x, 128, 4, 2, 'conv3');
  x = stage(x, 256, 6, 2, 'conv4');
  x = stage(x, 512, 3, 2, 'conv5');
  return tfl.model({ inputs, outputs: x, name: 'resnet50' });
}

export interface ResNet50SimOptions extends HeadOptions {
  /**
   * Pretrained backbone weights: the path of a folder (or its `model.json`)
   * in the format `saveWeights` and `tools/convert_keras_weights.py` write.
   * `null` (default) trains from scratch. `'imagenet'` cannot be downloaded
   * here: convert Keras' weights once and pass the folder.
   */
  weights?: string | null;
  /**
   * Which backbone layers train (`'full'`, `'partial'`: `conv5*` only,
   * `'frozen'`). Default `'frozen'` with weights, as in Python, and `'full'`
   * without: a frozen random backbone would learn nothing.
   */
  trainable?: TrainableMode;
}

const RESNET50_OPTION_KEYS: OptionKeys<ResNet50SimOptions> = { ...HEAD_OPTION_KEYS, weights: true, trainable: true };

/**
 * The graph of the Python library's `ResNet50Sim(input_shape, ...)`:
 * images -> ResNet50 -> GeM pooling (p = 3) -> MetricEmbedding(128).
 * Asynchronous because pretrained weights are read from disk.
 */
export async function buildResNet50Sim(inputShape: ImageShape, options: ResNet50SimOptions = {}): Promise<SimilarityGraph> {
  checkOptions(options, RESNET50_OPTION_KEYS, 'ResNet50Sim');
  const shape = checkImageShape(inputShape, MIN_SIZE, 'ResNet50Sim');
  const weights = resolveWeightsOption(options.weights, 'ResNet50Sim');
  const trainable = checkTrainable(options.trainable ?? (weights ? 'frozen' : 'full'), 'ResNet50Sim');
  const head = resolveHead(options, 'ResNet50Sim');
  const backbone = createResNet50Backbone(shape);
  await loadBackboneWeights(backbone, weights);
  applyTrainable(backbone, trainable, RESNET50_PARTIAL, weights !== null);
  return buildSimilarityGraph(backbone, shape, head, 'resnet50sim');
}
