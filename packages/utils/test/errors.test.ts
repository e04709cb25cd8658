import { FolderExistsError, ShapeError, TfsimError, UnknownNameError, ValueError } from '../src';

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
});
