/** Miners by class name (case-insensitive), so that a MinedLoss can be saved and recreated. */
import { Registry, ValueError } from '@tfsim/utils';

import { BatchHardMiner } from './batch-hard';
import type { Miner, MinerConfig } from './miner';
import { MultiSimilarityMiner } from './multi-similarity';
import { TripletMarginMiner } from './triplet-margin';

type Factory = (config: Record<string, unknown>) => Miner;

const registry = new Registry<Factory>('miner');
/* eslint-disable @typescript-eslint/no-explicit-any */
registry.register(['BatchHardMiner'], () => (c) => new BatchHardMiner(c as any));
registry.register(['MultiSimilarityMiner'], () => (c) => new MultiSimilarityMiner(c as any));
registry.register(['TripletMarginMiner'], () => (c) => new TripletMarginMiner(c as any));
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The saved form of a miner. */
export interface SerializedMiner {
  className: string;
  config: MinerConfig;
}

/** A new miner by class name, with its constructor's options or a config from `getConfig()`. */
export function getMiner(name: string, config: Record<string, unknown> = {}): Miner {
  if (typeof config !== 'object' || config === null) throw new ValueError(`miner config must be an object, got ${String(config)}`);
  return registry.get(name)({ ...config });
}

/** Class names of every miner. */
export function minerNames(): string[] {
  return registry.names();
}

export function serializeMiner(miner: Miner): SerializedMiner {
  return { className: miner.className, config: JSON.parse(JSON.stringify(miner.getConfig())) as MinerConfig };
}

export function deserializeMiner(serialized: SerializedMiner): Miner {
  if (typeof serialized !== 'object' || serialized === null || typeof serialized.className !== 'string') {
    throw new ValueError(`a serialized miner is {className, config}, got ${JSON.stringify(serialized)}`);
  }
  return getMiner(serialized.className, serialized.config ?? {});
}
