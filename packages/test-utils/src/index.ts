/** Shared test helpers for @tfsim packages (private, never published). */
export * from './backends';
export * from './close';
export * from './gradients';
export * from './layers-model';
export * from './leaks';
export * from './tmp';
