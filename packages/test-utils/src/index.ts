/** Shared test helpers for @tfsim packages (private, never published). */
export * from './backends';
export * from './close';
export * from './gradients';
export * from './leaks';
export * from './tmp';
