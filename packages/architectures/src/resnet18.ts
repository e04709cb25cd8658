/**
 * ResNet18 as the Python library defines it for similarity learning: a 3x3
 * stride-1 stem (no max pooling, suited to small images), four stages of two
 * basic blocks (64, 128, 256, 512 filters), LeCun-uniform kernels, no biases.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FreezableBatchNormalization } from '@tfsim/layers';
import { checkOptions } from '@tfsim/utils';

import type { HeadOptions, ImageShape, LayersModel, SimilarityGraph, SymbolicTensor } from './common';
import { buildSimilarityGraph, checkImageShape, HEAD_OPTION_KEYS, resolveHead } from './common';

const BN_EPSILON = 1.001e-5;

function conv(filters: number, kernelSize: number, strides: number, padding: 'same' | 'valid', name: string): tfl.layers.Layer {
  return tfl.layers.conv2d({
    filters,
    kernelSize,
    strides,
    padding,
    useBias: false,
    kernelInitializer: 'leCunUniform',
    name,
  });
}

function bn(name: string): tfl.layers.Layer {
  return new FreezableBatchNormalization({ epsilon: BN_EPSILON, name });
}

/** A basic block: two 3x3 convolutions and a shortcut (a strided 1x1 convolution when `convShortcut`). */
function block(x: SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): SymbolicTensor {
  let shortcut = x;
  if (convShortcut) {
    shortcut = conv(filters, 1, stride, 'valid', `${name}_0_conv`).apply(x) as SymbolicTensor;
    shortcut = bn(`${name}_0_bn`).apply(shortcut) as SymbolicTensor;
  }
  let y = conv(filters, 3, stride, 'same', `${name}_1_conv`).apply(x) as SymbolicTensor;
  y = bn(`${name}_1_bn`).apply(y) as SymbolicTensor;
  y = tfl.layers.activation({ activation: 'relu', name: `${name}_1_relu` }).apply(y) as SymbolicTensor;
  y = conv(filters, 3, 1, 'same', `${name}_2_conv`).apply(y) as SymbolicTensor;
  y = bn(`${name}_2_bn`).apply(y) as SymbolicTensor;
  y = tfl.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as SymbolicTensor;
  return tfl.layers.activation({ activation: 'relu', name: `${name}_out` }).apply(y) as SymbolicTensor;
}

function stage(x: SymbolicTensor, filters: number, blocks: number, stride: number, name: string): SymbolicTensor {
  let y = block(x, filters, stride, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) y = block(y, filters, 1, false, `${name}_block${i}`);
  return y;
}

/**
 * The ResNet18 feature extractor (`resnet18`): `[h, w, c]` images to a
 * `[h/8, w/8, 512]` feature map. Layer names are the Python library's.
 */
export function createResNet18Backbone(inputShape: ImageShape): LayersModel {
  const shape = checkImageShape(inputShape, 1, 'createResNet18Backbone');
  const inputs = tfl.input({ shape, name: 'resnet18_input' });
  let x = tfl.layers
    .zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'conv1_pad',
    })
    .apply(inputs) as SymbolicTensor;
  x = conv(64, 3, 1, 'valid', 'conv1_conv').apply(x) as SymbolicTensor;
  x = bn('conv1_bn').apply(x) as SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu', name: 'conv1_relu' }).apply(x) as SymbolicTensor;
  x = stage(x, 64, 2, 1, 'conv2');
  x = stage(x, 128, 2, 2, 'conv3');
  x = stage(x, 256, 2, 2, 'conv4');
  x = stage(x, 512, 2, 2, 'conv5');
  return tfl.model({ inputs, outputs: x, name: 'resnet18' });
}

/** ResNet18Sim's options: the head's (the Python builder has no weights or trainable options). */
export type ResNet18SimOptions = HeadOptions;

/**
 * The graph of the Python library's `ResNet18Sim(input_shape, ...)`:
 * images -> ResNet18 -> GeM pooling (p = 3) -> MetricEmbedding(128), all
 * trainable, built from scratch. Python expects inputs between 32 and 224
 * pixels a side.
 */
export function buildResNet18Sim(inputShape: ImageShape, options: ResNet18SimOptions = {}): SimilarityGraph {
  checkOptions(options, HEAD_OPTION_KEYS, 'ResNet18Sim');
  const shape = checkImageShape(inputShape, 1, 'ResNet18Sim');
  const head = resolveHead(options, 'ResNet18Sim');
  return buildSimilarityGraph(createResNet18Backbone(shape), shape, head, 'resnet18sim');
}
