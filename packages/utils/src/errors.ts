/**
 * Errors raised by `@tfsim` packages. Each names the problem (which argument,
 * which shape, which name) so that bad input is caught where it enters.
 */
export class TfsimError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong shape, rank, dimension, or mismatched lengths. */
export class ShapeError extends TfsimError {}

/** A value outside its domain: NaN or Infinity, k < 1, a negative count, ... */
export class ValueError extends TfsimError {}

/** A distance, metric, loss, matcher, search, store ... name that is not registered: a ValueError. */
export class UnknownNameError extends ValueError {
  constructor(
    readonly kind: string,
    readonly unknown: string,
    readonly known: readonly string[],
  ) {
    super(`unknown ${kind} "${unknown}"; known ${kind}s: ${known.join(', ')}`);
  }
}

/** A save would replace a folder that exists while `overwrite` is false: a ValueError. */
export class FolderExistsError extends ValueError {
  constructor(readonly dir: string) {
    super(`${dir} already exists and overwrite is false; pass { overwrite: true } to replace it`);
  }
}

/** An operation that needs indexed items was called on an empty index. */
export class EmptyIndexError extends TfsimError {}

/** An operation was called in the wrong order, e.g. match before calibrate. */
export class StateError extends TfsimError {}

/** A saved file or folder is of another format or an unsupported version. */
export class FormatError extends TfsimError {}

/** A server or store did not answer: unreachable, or no reply within its timeout. */
export class UnavailableError extends TfsimError {}

/** A compute backend could not be loaded or selected. */
export class BackendError extends TfsimError {}
