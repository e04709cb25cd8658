/** Key-value stores for embeddings, labels and data: memory, LevelDB and Redis. */
export type { Store, StoreConfig, StoredRecord, StoredRecords } from './store';
export { MemoryStore, type MemoryStoreOptions } from './memory';
export { STORE_FORMAT, STORE_FORMAT_VERSION } from './format';
export { LevelStore, type LevelStoreOptions } from './level';
export { RedisStore, type RedisStoreOptions } from './redis';
export { getStore } from './registry';
