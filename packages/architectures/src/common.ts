/**
 * What every backbone shares: the options of the Python builders, the head
 * (pooling, then MetricEmbedding or Dense), the trainable modes and the
 * graph the builders return.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FreezableBatchNormalization, GeneralizedMeanPooling2D, MetricEmbedding } from '@tfsim/layers';
import type { OptionKeys } from '@tfsim/utils';
import { ShapeError, ValueError } from '@tfsim/utils';

export type SymbolicTensor = tfl.SymbolicTensor;
export type LayersModel = tfl.LayersModel;

/** `[height, width, channels]`, channels last. */
export type ImageShape = [number, number, number];

/** Global pooling after the backbone: GeM (default), average, max, or none (the 4-D feature map). */
export type Pooling = 'gem' | 'avg' | 'max' | null;

/**
 * How much of a (pretrained) backbone trains: `'full'` all of it,
 * `'partial'` only its last stage (ResNet50 `conv5*`, EfficientNet `block5*`
 * to `block7*`, and `top*`), `'frozen'` none of it. The embedding head always
 * trains.
 */
export type TrainableMode = 'full' | 'partial' | 'frozen';

/** Options of the head, shared by every backbone (the Python defaults). */
export interface HeadOptions {
  /** Size of the output embedding (default 128). */
  embeddingSize?: number;
  /** With includeTop: MetricEmbedding (L2-normalised, default true) or a plain Dense layer. */
  l2Norm?: boolean;
  /** Add the embedding layer after the pooling (default true). Ignored when pooling is null. */
  includeTop?: boolean;
  /** Pooling after the backbone (default `'gem'`). */
  pooling?: Pooling;
  /** The power of the GeM pooling (default 3). */
  gemP?: number;
}

/**
 * The functional graph of a similarity backbone: `inputs -> backbone ->
 * pooling -> embedding`. `tf.model({inputs, outputs, name})` makes a plain
 * LayersModel of it; @tfsim/models' SimilarityModel wraps the same three.
 */
export interface SimilarityGraph {
  inputs: SymbolicTensor;
  outputs: SymbolicTensor;
  /** The model name the Python library uses (`resnet18sim`, ...). */
  name: string;
  /** The backbone, a nested model as in the Python library (`resnet18`, `resnet50`, `efficientnetb0`, ...). */
  backbone: LayersModel;
}

export function checkImageShape(inputShape: unknown, minSize: number, builder: string): ImageShape {
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)
  ) {
    throw new ShapeError(
      `${builder}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  const [h, w] = inputShape as ImageShape;
  if (h < minSize || w < minSize) {
    throw new ShapeError(`${builder}: images must be at least ${minSize}x${minSize}, got ${h}x${w}`);
  }
  return [...inputShape] as ImageShape;
}

/** Head options with the defaults filled in and checked. */
export interface ResolvedHead {
  embeddingSize: number;
  l2Norm: boolean;
  includeTop: boolean;
  pooling: Pooling;
  gemP: number;
}

/** The keys of the head options, which every architecture takes. */
export const HEAD_OPTION_KEYS: OptionKeys<HeadOptions> = { embeddingSize: true, l2Norm: true, includeTop: true, pooling: true, gemP: true };

/** Fills in the Python defaults and checks the head options (before anything is built). */
export function resolveHead(options: HeadOptions, builder: string): ResolvedHead {
  const head: ResolvedHead = {
    embeddingSize: options.embeddingSize ?? 128,
    l2Norm: options.l2Norm ?? true,
    includeTop: options.includeTop ?? true,
    pooling: options.pooling === undefined ? 'gem' : options.pooling,
    gemP: options.gemP ?? 3,
  };
  if (!Number.isInteger(head.embeddingSize) || head.embeddingSize < 1) {
    throw new ValueError(`${builder}: embeddingSize must be a positive integer, got ${head.embeddingSize}`);
  }
  if (head.pooling !== null && !['gem', 'avg', 'max'].includes(head.pooling)) {
    throw new ValueError(`${builder}: pooling must be 'gem', 'avg', 'max' or null, got '${String(head.pooling)}'`);
  }
  return head;
}

/**
 * `inputs -> backbone -> pooling -> MetricEmbedding | Dense`, with the
 * Python builders' layer names (`gem_pool`, `avg_pool`, `max_pool`).
 */
export function buildSimilarityGraph(backbone: LayersModel, inputShape: ImageShape, head: ResolvedHead, name: string): SimilarityGraph {
  const inputs = tfl.input({ shape: inputShape, name: 'input' });
  let x = backbone.apply(inputs) as SymbolicTensor;
  if (head.pooling === 'gem') x = new GeneralizedMeanPooling2D({ p: head.gemP, name: 'gem_pool' }).apply(x) as SymbolicTensor;
  else if (head.pooling === 'avg') x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as SymbolicTensor;
  else if (head.pooling === 'max') x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as SymbolicTensor;
  if (head.includeTop && head.pooling !== null) {
    // Keras' Dense defaults (Glorot-uniform) for the plain layer too.
    const top = head.l2Norm
      ? new MetricEmbedding({ units: head.embeddingSize, name: 'metric_embedding' })
      : tfl.layers.dense({ units: head.embeddingSize, kernelInitializer: 'glorotUniform', name: 'dense' });
    x = top.apply(x) as SymbolicTensor;
  }
  return { inputs, outputs: x, name, backbone };
}

/**
 * The layers of a model with nested models replaced by their own layers
 * (depth first): every layer that owns weights appears once, and no
 * container (whose `weights` repeat its layers') appears.
 */
export function allLayers(model: LayersModel): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  const visit = (layer: tfl.layers.Layer): void => {
    const inner = (layer as Partial<LayersModel>).layers;
    if (Array.isArray(inner)) inner.forEach(visit);
    else out.push(layer);
  };
  model.layers.forEach(visit);
  return out;
}

export function checkTrainable(mode: unknown, builder: string): TrainableMode {
  if (mode !== 'full' && mode !== 'partial' && mode !== 'frozen') {
    throw new ValueError(`${builder}: '${String(mode)}' is not a supported option for 'trainable': use 'full', 'partial' or 'frozen'`);
  }
  return mode;
}

/**
 * Sets which backbone layers train, as the Python builders do: every layer
 * for `'full'`, the layers whose name matches `partialPattern` for
 * `'partial'`, none for `'frozen'`. With pretrained weights the batch
 * normalisation layers are frozen too (they then run in inference mode, see
 * FreezableBatchNormalization). Each layer's flag is set, not only the
 * container's, because that is what makes frozen batch normalisation use its
 * moving statistics (Keras sets them recursively as well).
 */
export function applyTrainable(backbone: LayersModel, mode: TrainableMode, partialPattern: RegExp, pretrained: boolean): void {
  for (const layer of backbone.layers) {
    let trainable = mode === 'full' || (mode === 'partial' && partialPattern.test(layer.name));
    if (pretrained && layer instanceof FreezableBatchNormalization) trainable = false;
    layer.trainable = trainable;
  }
  backbone.trainable = mode !== 'frozen';
}

/** Number of trainable values of a model (what Keras reports as trainable params). */
export function countTrainableParams(model: LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
