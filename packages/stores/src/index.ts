/** Key-value stores for embeddings, labels and data: memory, LevelDB and Redis. */
export type { BatchData, BatchLabels, Store, StoreConfig, StoredRecord, StoredRecords } from './store';
export { MemoryStore, type MemoryStoreOptions } from './memory';
export { readStore, STORE_FORMAT, STORE_FORMAT_VERSION, type StoreSnapshot, writeStore } from './format';
// For implementers of a Store (ours or a third party's): the validation and the
// saved format every store shares, so that a new store passes the conformance
// suite and loads folders written by any other.
export {
  checkId,
  checkIds,
  checkDistinctIds,
  checkBatchDim,
  liveIds,
  dataToJson,
  type PreparedBatch,
  prepareBatch,
  prepareOne,
  prepareUpdate,
  recordCount,
} from './records';
export { LevelStore, type LevelStoreOptions } from './level';
export { RedisStore, type RedisStoreOptions } from './redis';
export { getStore, isStore, storeTypes } from './registry';
export { fromPythonConfig } from './python-config';
