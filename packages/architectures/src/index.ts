/**
 * @tfsim/architectures: the Python library's ready backbones for similarity
 * learning (ResNet18Sim, ResNet50Sim, EfficientNetSim) as TensorFlow.js graphs:
 * images -> backbone -> GeM pooling -> MetricEmbedding, with Keras' layer
 * names so that converted pretrained weights load from a local folder.
 */
export {
  allLayers,
  applyTrainable,
  buildSimilarityGraph,
  countTrainableParams,
  resolveHead,
  type HeadOptions,
  type ImageShape,
  type ResolvedHead,
  type Pooling,
  type SimilarityGraph,
  type TrainableMode,
} from './common';
export { buildResNet18Sim, createResNet18Backbone, type ResNet18SimOptions } from './resnet18';
export { buildResNet50Sim, createResNet50Backbone, RESNET50_PARTIAL, type ResNet50SimOptions } from './resnet50';
export {
  buildEfficientNetSim,
  createEfficientNetBackbone,
  EFFICIENTNET_PARTIAL,
  EFFICIENTNET_VARIANTS,
  roundFilters,
  roundRepeats,
  type EfficientNetScaling,
  type EfficientNetSimOptions,
  type EfficientNetVariant,
} from './efficientnet';
export { loadWeights, readWeights, saveWeights, WEIGHTS_FORMAT, type LoadWeightsResult } from './weights';
export { EfficientNetSim, ResNet18Sim, ResNet50Sim } from './similarity';
