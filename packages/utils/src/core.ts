/**
 * @tfsim/utils/core: everything of @tfsim/utils except compute-backend
 * selection and tensor conversion, so its declarations never name
 * TensorFlow.js. The index-side packages import this entry; a project without
 * @tensorflow/* then typechecks them with `skipLibCheck: false`.
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
