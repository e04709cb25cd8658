/**
 * `createContrastiveModel`: a ContrastiveModel around a backbone with the
 * Python library's default heads (`create_contrastive_model`): a 2-layer
 * projector of width 512 on the backbone's output and, for SimSiam only, a
 * predictor with a 512-wide hidden layer on the projector's output.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ShapeError, ValueError } from '@tfsim/utils';

import { getPredictor, getProjector } from './heads';
import { checkAlgorithm, type ContrastiveAlgorithm, type ContrastiveEmbedding, ContrastiveModel } from './model';

export interface CreateContrastiveModelOptions {
  /** Default 'simsiam'. */
  algorithm?: ContrastiveAlgorithm | string;
  /** A projector of your own; default: getProjector(backbone output width, { dim: projectorDim, numLayers: projectorLayers }). */
  projector?: LayersModel;
  /** A predictor of your own (SimSiam); default: getPredictor(projector output width, { hiddenDim: predictorHiddenDim }). */
  predictor?: LayersModel;
  /** Width of the default projector's layers. Default 512. */
  projectorDim?: number;
  /** Dense layers of the default projector. Default 2 (Python's create_contrastive_model). */
  projectorLayers?: number;
  /** Width of the default predictor's hidden layer. Default 512. */
  predictorHiddenDim?: number;
  /** Activation of the default heads. Default 'relu'. */
  activation?: string;
  /** Seed of the default heads' kernel initialisers; default unseeded. */
  seed?: number;
  name?: string;
  embedding?: ContrastiveEmbedding;
}

export function createContrastiveModel(backbone: LayersModel, options: CreateContrastiveModelOptions = {}): ContrastiveModel {
  const algorithm = checkAlgorithm(options.algorithm ?? 'simsiam');
  if (!backbone || !Array.isArray(backbone.outputs)) throw new ValueError('createContrastiveModel needs a backbone (a tfjs LayersModel)');
  if (backbone.outputs.length !== 1) throw new ShapeError(`the backbone must have one output, it has ${backbone.outputs.length}`);
  const backboneShape = backbone.outputs[0]!.shape;
  const backboneWidth = backboneShape[backboneShape.length - 1];
  if (backboneShape.length !== 2 || typeof backboneWidth !== 'number') {
    throw new ShapeError(
      `the backbone's output must be [batch, features] (add pooling or flatten), got [${backboneShape.map((d) => d ?? 'null').join(', ')}]`,
    );
  }
  const activation = options.activation ?? 'relu';
  const projector =
    options.projector ??
    getProjector(backboneWidth, {
      dim: options.projectorDim ?? 512,
      numLayers: options.projectorLayers ?? 2,
      activation,
      seed: options.seed,
    });
  let predictor: LayersModel | null = null;
  if (algorithm === 'simsiam') {
    const projectorShape = projector.outputs[0]!.shape;
    const projectorWidth = projectorShape[projectorShape.length - 1];
    if (typeof projectorWidth !== 'number') throw new ShapeError('the projector output must have a known width');
    predictor =
      options.predictor ??
      getPredictor(projectorWidth, {
        hiddenDim: options.predictorHiddenDim ?? 512,
        activation,
        seed: options.seed === undefined ? undefined : options.seed + 1000,
      });
  } else if (options.predictor) {
    throw new ValueError(`the '${algorithm}' algorithm uses no predictor; pass one only with 'simsiam'`);
  }
  return new ContrastiveModel({ backbone, projector, predictor, algorithm, name: options.name, embedding: options.embedding });
}
