/**
 * @tfsim/utils: the foundation every @tfsim package builds on. Shared types
 * (Matrix, Lookup, Label), errors, a seedable RNG, name registries, the save
 * format, progress on a terminal (all in `./core`, free of TensorFlow.js
 * types), and compute-backend selection and tensor conversion.
 */
export * from './core';
export * from './backend';
export * from './tensor';
