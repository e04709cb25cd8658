/**
 * @tfsim/utils: the foundation every @tfsim package builds on. Shared types
 * (Matrix, Lookup, Label), errors, a seedable RNG, name registries, the save
 * format, progress on a terminal, and compute-backend selection.
 */
export * from './errors';
export * from './types';
export * from './validate';
export * from './inputs';
export * from './matrix';
export * from './rng';
export * from './registry';
export * from './options';
export * from './progress';
export * from './persist';
export * from './saved-files';
export * from './backend';
export * from './tensor';
