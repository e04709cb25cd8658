import * as utils from '../src';
import {
  BackendError,
  EmptyIndexError,
  ERROR_CODES,
  FolderExistsError,
  FormatError,
  ShapeError,
  StateError,
  TfsimError,
  UnavailableError,
  UnknownNameError,
  UnknownOptionError,
  ValueError,
} from '../src';

describe('errors', () => {
  it('carry their class name and inherit from TfsimError', () => {
    const e = new ShapeError('queries has dimension 3, expected 4');
    expect(e).toBeInstanceOf(TfsimError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ShapeError');
    expect(String(e)).toBe('ShapeError: queries has dimension 3, expected 4');
    expect(new ValueError('x').name).toBe('ValueError');
  });

  it('name the unknown entry and the known ones', () => {
    const e = new UnknownNameError('metric', 'f2', ['f1', 'precision']);
    expect(e.message).toBe('unknown metric "f2"; known metrics: f1, precision');
    expect(e.known).toEqual(['f1', 'precision']);
  });

  it('an unknown name and an existing folder are ValueErrors, as CONTRIBUTING says', () => {
    expect(new UnknownNameError('store', 'cached', ['memory'])).toBeInstanceOf(ValueError);
    const exists = new FolderExistsError('/data/index');
    expect(exists).toBeInstanceOf(ValueError);
    expect(exists.name).toBe('FolderExistsError');
    expect(exists.message).toBe('/data/index already exists and overwrite is false; pass { overwrite: true } to replace it');
  });

  it('carry the stable code of the table, one per class', () => {
    const made = [
      new TfsimError('x'),
      new ShapeError('x'),
      new ValueError('x'),
      new UnknownNameError('distance', 'l3', ['l1', 'l2']),
      new UnknownOptionError('TripletLoss', 'margin_', 'margin', ['margin']),
      new FolderExistsError('/data/index'),
      new UnavailableError('x'),
      new EmptyIndexError('x'),
      new StateError('x'),
      new FormatError('x'),
      new BackendError('x'),
    ];
    expect(made.map((e) => e.code)).toEqual([
      'ERR_TFSIM',
      'ERR_SHAPE',
      'ERR_VALUE',
      'ERR_UNKNOWN_NAME',
      'ERR_UNKNOWN_OPTION',
      'ERR_FOLDER_EXISTS',
      'ERR_UNAVAILABLE',
      'ERR_EMPTY_INDEX',
      'ERR_STATE',
      'ERR_FORMAT',
      'ERR_BACKEND',
    ]);
    // The table names the class that carries each code, and lists every code once.
    for (const e of made) expect(ERROR_CODES[e.code].error).toBe(e.name);
    expect(Object.keys(ERROR_CODES).sort()).toEqual(made.map((e) => e.code).sort());
  });

  it('lists in the table every error class that utils exports', () => {
    const classes = Object.entries(utils)
      .filter(([, v]) => typeof v === 'function' && (v === TfsimError || v.prototype instanceof TfsimError))
      .map(([name]) => name)
      .sort();
    expect(
      Object.values(ERROR_CODES)
        .map((c) => c.error)
        .sort(),
    ).toEqual(classes);
  });

  it('keep the code of a subclass that does not declare its own', () => {
    class DimensionError extends ShapeError {}
    const e = new DimensionError('x');
    expect(e.code).toBe('ERR_SHAPE');
    expect(e.name).toBe('DimensionError');
  });
});
