/**
 * The Python library's architecture functions, which return a
 * SimilarityModel: the graphs of the `build*Sim` builders wrapped in
 * @tfsim/models' SimilarityModel (same layers, same weights), ready to
 * `compile`, `fit`, `index` and `save`.
 */
import { SimilarityModel } from '@tfsim/models';

import type { ImageShape, SimilarityGraph } from './common';
import { buildEfficientNetSim, type EfficientNetSimOptions } from './efficientnet';
import { buildResNet18Sim, type ResNet18SimOptions } from './resnet18';
import { buildResNet50Sim, type ResNet50SimOptions } from './resnet50';

function similarityModel(graph: SimilarityGraph): SimilarityModel {
  return new SimilarityModel({ inputs: graph.inputs, outputs: graph.outputs, name: graph.name });
}

/** Python's `ResNet18Sim(input_shape, ...)`: a SimilarityModel named `resnet18sim`. */
export function ResNet18Sim(inputShape: ImageShape, options: ResNet18SimOptions = {}): SimilarityModel {
  return similarityModel(buildResNet18Sim(inputShape, options));
}

/** Python's `ResNet50Sim(input_shape, ...)`: a SimilarityModel named `resnet50sim` (asynchronous: weights are read from disk). */
export async function ResNet50Sim(inputShape: ImageShape, options: ResNet50SimOptions = {}): Promise<SimilarityModel> {
  return similarityModel(await buildResNet50Sim(inputShape, options));
}

/** Python's `EfficientNetSim(input_shape, ...)`: a SimilarityModel named `efficientnetsim` (asynchronous: weights are read from disk). */
export async function EfficientNetSim(inputShape: ImageShape, options: EfficientNetSimOptions = {}): Promise<SimilarityModel> {
  return similarityModel(await buildEfficientNetSim(inputShape, options));
}
