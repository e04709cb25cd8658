/** Miners as objects, usable with the metric losses through MinedLoss (pytorch-metric-learning's miners). */
export { Miner, type MinedTuples, type MinerConfig, type MinerOptions } from './miner';
export { BatchHardMiner, type BatchHardMinerOptions } from './batch-hard';
export { MultiSimilarityMiner, type MultiSimilarityMinerOptions } from './multi-similarity';
export { TripletMarginMiner, TYPES_OF_TRIPLETS, type TripletMarginMinerOptions, type TypeOfTriplets } from './triplet-margin';
export { MinedLoss, type MinedLossOptions } from './mined-loss';
export { deserializeMiner, getMiner, minerNames, serializeMiner, type SerializedMiner } from './registry';
