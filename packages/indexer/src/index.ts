/** The index: add, lookup, calibrate, match, evaluate, save, load and stats. */
export const PACKAGE_NAME = '@tfsim/indexer';
