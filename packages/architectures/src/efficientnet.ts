/**
 * EfficientNet B0 to B7 (keras.applications' EfficientNet without its
 * classifier), as the Python library's EfficientNetSim uses it: Keras' layer
 * names, block layout, width/depth rounding and initialisers, so that weights
 * converted from Keras load by name and parameter counts agree.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FreezableBatchNormalization, Normalization } from '@tfsim/layers';
import { checkOptions, type OptionKeys, ValueError } from '@tfsim/utils';

import type { HeadOptions, ImageShape, LayersModel, SimilarityGraph, SymbolicTensor, TrainableMode } from './common';
import { applyTrainable, buildSimilarityGraph, checkImageShape, checkTrainable, HEAD_OPTION_KEYS, resolveHead } from './common';
import { loadBackboneWeights, resolveWeightsOption } from './weights';

export type EfficientNetVariant = 'B0' | 'B1' | 'B2' | 'B3' | 'B4' | 'B5' | 'B6' | 'B7';

interface Scaling {
  width: number;
  depth: number;
  /** The image size the variant was trained at (pixels a side). */
  size: number;
}

/** Width and depth coefficients and native image sizes of the variants (Keras'). */
export const EFFICIENTNET_VARIANTS: Readonly<Record<EfficientNetVariant, Readonly<Scaling>>> = {
  B0: { width: 1.0, depth: 1.0, size: 224 },
  B1: { width: 1.0, depth: 1.1, size: 240 },
  B2: { width: 1.1, depth: 1.2, size: 260 },
  B3: { width: 1.2, depth: 1.4, size: 300 },
  B4: { width: 1.4, depth: 1.8, size: 380 },
  B5: { width: 1.6, depth: 2.2, size: 456 },
  B6: { width: 1.8, depth: 2.6, size: 528 },
  B7: { width: 2.0, depth: 3.1, size: 600 },
};

interface BlockArgs {
  kernelSize: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  strides: number;
}

/** The seven stages of EfficientNet-B0 (every block has an identity skip and squeeze-excitation ratio 0.25). */
const BASE_BLOCKS: readonly BlockArgs[] = [
  { kernelSize: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1 },
  { kernelSize: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2 },
  { kernelSize: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2 },
  { kernelSize: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2 },
  { kernelSize: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1 },
  { kernelSize: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2 },
  { kernelSize: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1 },
];
/** The layers `trainable: 'partial'` leaves trainable: the Python pattern `^block[5,6,7]|^top`. */
export const EFFICIENTNET_PARTIAL = /^block[5-7]|^top/;
const SE_RATIO = 0.25;
const DROP_CONNECT_RATE = 0.2;
const DEPTH_DIVISOR = 8;
const MIN_SIZE = 32;

/**
 * Keras' VarianceScaling(2.0, fan_out, truncated_normal). tfjs' 'normal'
 * distribution is a truncated normal of stddev sqrt(scale) (its
 * 'truncatedNormal' falls through to uniform), while Keras divides the stddev
 * by 0.8796 to undo the truncation: scale the variance accordingly.
 */
const TRUNCATION_STD = 0.87962566103423978;
function convInitializer(): ReturnType<typeof tfl.initializers.varianceScaling> {
  return tfl.initializers.varianceScaling({ scale: 2.0 / TRUNCATION_STD ** 2, mode: 'fanOut', distribution: 'normal' });
}

/** Filters scaled by the width coefficient, rounded to a multiple of 8 without losing more than 10%. */
export function roundFilters(filters: number, width: number, divisor = DEPTH_DIVISOR): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor(Math.trunc(scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return Math.trunc(rounded);
}

/** Repeats scaled by the depth coefficient, rounded up. */
export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

/**
 * Keras' `correct_pad` for a strided 'valid' convolution, as it is computed
 * inside keras.applications when the spatial size is unknown (the Python
 * library builds the backbone without an input size): `k//2 - 1` before,
 * `k//2` after.
 */
function correctPad(kernelSize: number): [[number, number], [number, number]] {
  const c = Math.floor(kernelSize / 2);
  return [
    [c - 1, c],
    [c - 1, c],
  ];
}

function bn(name: string): tfl.layers.Layer {
  // Keras' BatchNormalization defaults (epsilon 1e-3, momentum 0.99), as tfjs'.
  return new FreezableBatchNormalization({ name });
}

/** Keras' conv (no bias), batch norm and swish, named `${prefix}conv`, `${prefix}bn`, `${prefix}activation`. */
function convBnSwish(
  x: SymbolicTensor,
  prefix: string,
  conv: { filters: number; kernelSize: number; strides?: number; padding: 'same' | 'valid' },
): SymbolicTensor {
  x = tfl.layers
    .conv2d({ ...conv, useBias: false, kernelInitializer: convInitializer(), name: `${prefix}conv` })
    .apply(x) as SymbolicTensor;
  x = bn(`${prefix}bn`).apply(x) as SymbolicTensor;
  return tfl.layers.activation({ activation: 'swish', name: `${prefix}activation` }).apply(x) as SymbolicTensor;
}

function block(x: SymbolicTensor, args: BlockArgs, dropRate: number, name: string): SymbolicTensor {
  const inputs = x;
  const filters = args.filtersIn * args.expandRatio;
  if (args.expandRatio !== 1) {
    x = convBnSwish(x, `${name}expand_`, { filters, kernelSize: 1, padding: 'same' });
  }
  let padding: 'same' | 'valid' = 'same';
  if (args.strides === 2) {
    x = tfl.layers.zeroPadding2d({ padding: correctPad(args.kernelSize), name: `${name}dwconv_pad` }).apply(x) as SymbolicTensor;
    padding = 'valid';
  }
  x = tfl.layers
    .depthwiseConv2d({
      kernelSize: args.kernelSize,
      strides: args.strides,
      padding,
      useBias: false,
      depthwiseInitializer: convInitializer(),
      name: `${name}dwconv`,
    })
    .apply(x) as SymbolicTensor;
  x = bn(`${name}bn`).apply(x) as SymbolicTensor;
  x = tfl.layers.activation({ activation: 'swish', name: `${name}activation` }).apply(x) as SymbolicTensor;

  // Squeeze and excitation.
  const filtersSe = Math.max(1, Math.trunc(args.filtersIn * SE_RATIO));
  let se = tfl.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }).apply(x) as SymbolicTensor;
  se = tfl.layers.reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` }).apply(se) as SymbolicTensor;
  const seConv = (seFilters: number, activation: 'swish' | 'sigmoid', layerName: string) =>
    tfl.layers.conv2d({
      filters: seFilters,
      kernelSize: 1,
      padding: 'same',
      activation,
      kernelInitializer: convInitializer(),
      name: layerName,
    });
  se = seConv(filtersSe, 'swish', `${name}se_reduce`).apply(se) as SymbolicTensor;
  se = seConv(filters, 'sigmoid', `${name}se_expand`).apply(se) as SymbolicTensor;
  x = tfl.layers.multiply({ name: `${name}se_excite` }).apply([x, se]) as SymbolicTensor;

  x = tfl.layers
    .conv2d({
      filters: args.filtersOut,
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: convInitializer(),
      name: `${name}project_conv`,
    })
    .apply(x) as SymbolicTensor;
  x = bn(`${name}project_bn`).apply(x) as SymbolicTensor;
  if (args.strides === 1 && args.filtersIn === args.filtersOut) {
    if (dropRate > 0) {
      // Stochastic depth: drops the whole residual branch of an example.
      x = tfl.layers
        .dropout({ rate: dropRate, noiseShape: [null, 1, 1, 1] as unknown as number[], name: `${name}drop` })
        .apply(x) as SymbolicTensor;
    }
    x = tfl.layers.add({ name: `${name}add` }).apply([x, inputs]) as SymbolicTensor;
  }
  return x;
}

export interface EfficientNetScaling {
  /** Width coefficient (filters). */
  width: number;
  /** Depth coefficient (repeats). */
  depth: number;
}

function resolveVariant(variant: unknown, builder: string): EfficientNetVariant {
  const key = typeof variant === 'string' ? variant.toUpperCase() : '';
  if (!(key in EFFICIENTNET_VARIANTS)) {
    throw new ValueError(`${builder}: unknown EfficientNet variant '${String(variant)}'; valid: B0 ... B7`);
  }
  return key as EfficientNetVariant;
}

function checkScaling(scaling: EfficientNetScaling, builder: string): EfficientNetScaling {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (scaling === null || !ok(scaling.width) || !ok(scaling.depth)) {
    throw new ValueError(`${builder}: a custom EfficientNet scaling needs positive width and depth, got ${JSON.stringify(scaling)}`);
  }
  return scaling;
}

/**
 * The EfficientNet feature extractor (`efficientnetb0` ... `efficientnetb7`,
 * or a custom `{width, depth}` scaling): `[h, w, c]` images with values in
 * [0, 255] to a `[h/32, w/32, round(1280 * width)]` feature map. The
 * rescaling to [0, 1] and the normalisation are part of the model, as in
 * Keras.
 */
export function createEfficientNetBackbone(inputShape: ImageShape, variant: EfficientNetVariant | EfficientNetScaling = 'B0'): LayersModel {
  const shape = checkImageShape(inputShape, MIN_SIZE, 'createEfficientNetBackbone');
  const scaling =
    typeof variant === 'object'
      ? checkScaling(variant, 'createEfficientNetBackbone')
      : EFFICIENTNET_VARIANTS[resolveVariant(variant, 'createEfficientNetBackbone')];
  const name = typeof variant === 'object' ? 'efficientnet' : `efficientnet${variant.toLowerCase()}`;
  const { width, depth } = scaling;

  const inputs = tfl.input({ shape, name: `${name}_input` });
  let x = tfl.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }).apply(inputs) as SymbolicTensor;
  x = new Normalization({ name: 'normalization' }).apply(x) as SymbolicTensor;
  x = tfl.layers.zeroPadding2d({ padding: correctPad(3), name: 'stem_conv_pad' }).apply(x) as SymbolicTensor;
  x = convBnSwish(x, 'stem_', { filters: roundFilters(32, width), kernelSize: 3, strides: 2, padding: 'valid' });

  const totalBlocks = BASE_BLOCKS.reduce((n, b) => n + roundRepeats(b.repeats, depth), 0);
  let b = 0;
  BASE_BLOCKS.forEach((base, i) => {
    const filtersOut = roundFilters(base.filtersOut, width);
    let args: BlockArgs = { ...base, filtersIn: roundFilters(base.filtersIn, width), filtersOut };
    const repeats = roundRepeats(base.repeats, depth);
    for (let j = 0; j < repeats; j++) {
      if (j > 0) args = { ...args, strides: 1, filtersIn: filtersOut };
      x = block(x, args, (DROP_CONNECT_RATE * b) / totalBlocks, `block${i + 1}${String.fromCharCode(97 + j)}_`);
      b += 1;
    }
  });

  x = convBnSwish(x, 'top_', { filters: roundFilters(1280, width), kernelSize: 1, padding: 'same' });
  return tfl.model({ inputs, outputs: x, name });
}

export interface EfficientNetSimOptions extends HeadOptions {
  /**
   * Which EfficientNet (default `'B0'`; each was trained at its own image
   * size, see EFFICIENTNET_VARIANTS), or custom `{width, depth}`
   * coefficients, as Keras' EfficientNet base function allows.
   */
  variant?: EfficientNetVariant | EfficientNetScaling;
  /**
   * Pretrained backbone weights: the path of a folder (or its `model.json`)
   * in the format `saveWeights` and `tools/convert_keras_weights.py` write.
   * `null` (default) trains from scratch. `'imagenet'` cannot be downloaded
   * here: convert Keras' weights once and pass the folder.
   */
  weights?: string | null;
  /**
   * Which backbone layers train (`'full'`, `'partial'`: `block5*` to
   * `block7*` and `top*`, `'frozen'`). Default `'frozen'` with weights, as in
   * Python, and `'full'` without: a frozen random backbone would learn nothing.
   */
  trainable?: TrainableMode;
}

/**
 * The graph of the Python library's `EfficientNetSim(input_shape, ...)`:
 * images (values in [0, 255]) -> EfficientNet -> GeM pooling (p = 3) ->
 * MetricEmbedding(128). Asynchronous because pretrained weights are read from
 * disk.
 */
const EFFICIENTNET_OPTION_KEYS: OptionKeys<EfficientNetSimOptions> = { ...HEAD_OPTION_KEYS, variant: true, weights: true, trainable: true };

export async function buildEfficientNetSim(inputShape: ImageShape, options: EfficientNetSimOptions = {}): Promise<SimilarityGraph> {
  checkOptions(options, EFFICIENTNET_OPTION_KEYS, 'EfficientNetSim');
  const shape = checkImageShape(inputShape, MIN_SIZE, 'EfficientNetSim');
  const variant =
    typeof options.variant === 'object'
      ? checkScaling(options.variant, 'EfficientNetSim')
      : resolveVariant(options.variant ?? 'B0', 'EfficientNetSim');
  const weights = resolveWeightsOption(options.weights, 'EfficientNetSim');
  const trainable = checkTrainable(options.trainable ?? (weights ? 'frozen' : 'full'), 'EfficientNetSim');
  const head = resolveHead(options, 'EfficientNetSim');
  const backbone = createEfficientNetBackbone(shape, variant);
  await loadBackboneWeights(backbone, weights);
  applyTrainable(backbone, trainable, EFFICIENTNET_PARTIAL, weights !== null);
  return buildSimilarityGraph(backbone, shape, head, 'efficientnetsim');
}
