/** Training callbacks: EvalCallback with console, JSON-lines and TensorBoard logging. */
export const PACKAGE_NAME = '@tfsim/callbacks';
