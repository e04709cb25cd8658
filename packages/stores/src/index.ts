/** Key-value stores for embeddings, labels and data: memory, LevelDB and Redis. */
export const PACKAGE_NAME = '@tfsim/stores';
export type { Store, StoreConfig, StoredRecord, StoredRecords } from './store';
