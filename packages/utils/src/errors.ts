/**
 * Errors raised by `@tfsim` packages. Each names the problem (which argument,
 * which shape, which name) so that bad input is caught where it enters, and
 * carries a stable `code` (the table below) for programs and conformance
 * suites to test instead of the class name or the wording of the message.
 */

/** Every `code` an @tfsim error can carry, with the class that carries it and what it means. */
export const ERROR_CODES = {
  ERR_TFSIM: { error: 'TfsimError', meaning: 'any other @tfsim error (the base class)' },
  ERR_SHAPE: { error: 'ShapeError', meaning: 'wrong shape, rank or dimension, or mismatched lengths' },
  ERR_VALUE: { error: 'ValueError', meaning: 'a value outside its domain: NaN or Infinity, k < 1, an id not in a store, ...' },
  ERR_UNKNOWN_NAME: {
    error: 'UnknownNameError',
    meaning: 'a distance, metric, loss, matcher, store, search, ... name that is not registered',
  },
  ERR_UNKNOWN_OPTION: {
    error: 'UnknownOptionError',
    meaning: 'an options object with a key the constructor or method does not take (a ValueError)',
  },
  ERR_FOLDER_EXISTS: { error: 'FolderExistsError', meaning: 'a save over an existing folder with overwrite false (a ValueError)' },
  ERR_UNAVAILABLE: {
    error: 'UnavailableError',
    meaning: 'a server or store that did not answer: unreachable, or no reply within its timeout',
  },
  ERR_EMPTY_INDEX: { error: 'EmptyIndexError', meaning: 'an operation that needs indexed items was called on an empty index' },
  ERR_STATE: { error: 'StateError', meaning: 'an operation called in the wrong order, e.g. match before calibrate' },
  ERR_FORMAT: { error: 'FormatError', meaning: 'a saved file or folder of another format, an unsupported version, or damaged' },
  ERR_BACKEND: { error: 'BackendError', meaning: 'a compute backend could not be loaded or selected' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TfsimError extends Error {
  /** Stable across releases, unlike the message: one of `ERROR_CODES`. */
  readonly code: ErrorCode = 'ERR_TFSIM';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong shape, rank, dimension, or mismatched lengths. */
export class ShapeError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_SHAPE';
}

/** A value outside its domain: NaN or Infinity, k < 1, a negative count, ... */
export class ValueError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_VALUE';
}

/** A distance, metric, loss, matcher, search, store ... name that is not registered: a ValueError. */
export class UnknownNameError extends ValueError {
  override readonly code: ErrorCode = 'ERR_UNKNOWN_NAME';

  constructor(
    readonly kind: string,
    readonly unknown: string,
    readonly known: readonly string[],
    /** What to do about it (e.g. how to register a custom class), appended to the message. */
    hint?: string,
  ) {
    super(`unknown ${kind} "${unknown}"; known ${kind}s: ${known.join(', ')}${hint ? `. ${hint}` : ''}`);
  }
}

/** A save would replace a folder that exists while `overwrite` is false: a ValueError. */
export class FolderExistsError extends ValueError {
  override readonly code: ErrorCode = 'ERR_FOLDER_EXISTS';

  constructor(readonly dir: string) {
    super(`${dir} already exists and overwrite is false; pass { overwrite: true } to replace it`);
  }
}

/** An operation that needs indexed items was called on an empty index. */
export class EmptyIndexError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_EMPTY_INDEX';
}

/** An operation was called in the wrong order, e.g. match before calibrate. */
export class StateError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_STATE';
}

/** A saved file or folder is of another format or an unsupported version. */
export class FormatError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_FORMAT';
}

/** A server or store did not answer: unreachable, or no reply within its timeout. */
export class UnavailableError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_UNAVAILABLE';
}

/** A compute backend could not be loaded or selected. */
export class BackendError extends TfsimError {
  override readonly code: ErrorCode = 'ERR_BACKEND';
}
