import { Registry, UnknownNameError } from '../src';

describe('Registry', () => {
  const registry = new Registry<{ name: string }>('distance');
  registry.register(['euclidean', 'l2', 'pythagorean'], () => ({ name: 'euclidean' }));
  registry.register(['cosine'], () => ({ name: 'cosine' }));

  it('finds entries by name and alias, case-insensitively, as new instances', () => {
    expect(registry.get('L2').name).toBe('euclidean');
    expect(registry.get('Pythagorean').name).toBe('euclidean');
    expect(registry.get('cosine')).not.toBe(registry.get('cosine'));
    expect(registry.canonical('l2')).toBe('euclidean');
    expect(registry.names()).toEqual(['euclidean', 'cosine']);
  });

  it('lists the known names when a name is unknown', () => {
    expect(() => registry.get('hamming')).toThrow(new UnknownNameError('distance', 'hamming', ['euclidean', 'cosine']));
    expect(() => registry.get('hamming')).toThrow('unknown distance "hamming"; known distances: euclidean, cosine');
  });

  it('refuses a name registered twice', () => {
    expect(() => registry.register(['L2'], () => ({ name: 'x' }))).toThrow('distance name "L2" is already registered');
  });
});
