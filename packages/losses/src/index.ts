/**
 * @tfsim/losses: the metric-learning and self-supervised losses of
 * TensorFlow Similarity, with its names, defaults and values, plus ArcFace,
 * contrastive, supervised contrastive and Proxy-Anchor losses. Each comes as
 * a class (`call(labels, embeddings)`, `lossFunction` for tfjs-layers) and as
 * a function returning per-example values.
 */
export {
  Loss,
  MetricLoss,
  REDUCTIONS,
  type KeyOptions,
  type LayersLossFunction,
  type LossConfig,
  type LossOptions,
  type PairBatch,
  type Reduction,
  type SerializedLoss,
} from './loss';
export type { LabelsInput } from './inputs';
export { checkClassIndices } from './inputs';
export {
  logsumexp,
  marginLoss,
  negativeDistances,
  positiveDistances,
  NEGATIVE_MINING,
  POSITIVE_MINING,
  type NegativeMining,
  type PositiveMining,
} from './mining';
export { PNLoss, pnLoss, TripletLoss, tripletLoss, type TripletLossOptions } from './triplet';
export { MultiSimilarityLoss, multisimilarityLoss, type MultiSimilarityLossOptions } from './multisim';
export { CircleLoss, circleLoss, type CircleLossOptions } from './circle';
export { SoftNearestNeighborLoss, softNnLoss, type SoftNearestNeighborLossOptions } from './softnn';
export { LiftedStructLoss, liftedStructLoss, type LiftedStructLossOptions } from './lifted';
export { MultiNegativesRankLoss, multinegRankingLoss, type MultiNegativesRankLossOptions } from './multineg';
export { XBM, type XBMOptions } from './xbm';
export { SelfSupervisedLoss } from './self-supervised';
export { SimCLRLoss, simclrLoss, type SimCLRLossOptions } from './simclr';
export { PROJECTION_TYPES, SimSiamLoss, simsiamLoss, type ProjectionType, type SimSiamLossOptions } from './simsiam';
export { Barlow, barlowLoss, type BarlowOptions } from './barlow';
export { VicReg, vicregLoss, type VicRegOptions } from './vicreg';
export { ClassWeightsLoss, type ClassWeightsOptions } from './class-weights';
export { ArcFaceLoss, arcFaceLoss, type ArcFaceLossOptions } from './arcface';
export { ContrastiveLoss, contrastiveLoss, type ContrastiveLossOptions } from './contrastive';
export { SupConLoss, supConLoss, type SupConLossOptions } from './supcon';
export { ProxyAnchorLoss, proxyAnchorLoss, type ProxyAnchorLossOptions } from './proxy-anchor';
export {
  BatchHardMiner,
  deserializeMiner,
  getMiner,
  MinedLoss,
  Miner,
  minerNames,
  MultiSimilarityMiner,
  serializeMiner,
  TripletMarginMiner,
  TYPES_OF_TRIPLETS,
  type BatchHardMinerOptions,
  type MinedLossOptions,
  type MinedTuples,
  type MinerConfig,
  type MinerOptions,
  type MultiSimilarityMinerOptions,
  type SerializedMiner,
  type TripletMarginMinerOptions,
  type TypeOfTriplets,
} from './miners';
export { MultipleLosses, type LabelLoss, type MultipleLossesOptions } from './multiple';
export { deserializeLoss, fromPythonConfig, getLoss, lossNames, serializeLoss } from './registry';
// A progress bar for a plain tfjs `fit` with these losses (tfjs prints nothing in Node for `verbose: 1`).
export { fitProgress, type FitProgressCallbacks, type FitProgressOptions } from '@tfsim/utils';
