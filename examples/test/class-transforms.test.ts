import { withTransformedClasses } from '../src/supervised/class-transforms';

/** Rotated and mirrored classes, against hand-drawn 3 x 3 images. */
// 1 2 3 / 4 5 6 / 7 8 9 and its negative.
const a = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const b = a.map((v) => -v);
const images = Float32Array.from([...a, ...b]);

describe('withTransformedClasses', () => {
  it('turns images a quarter counterclockwise, a half, a quarter clockwise, or mirrors them', () => {
    const one = (t: 'rot90' | 'rot180' | 'rot270' | 'mirror') =>
      Array.from(withTransformedClasses(Float32Array.from(a), [0], 3, [t]).images.slice(9));
    expect(one('rot90')).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(one('rot180')).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(one('rot270')).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    expect(one('mirror')).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });

  it('keeps the originals first and gives each copy a class of its own, clear of the real labels', () => {
    // Largest label 7: stride 8, so rot90 copies are 2 + 8, 7 + 8 and rot180 copies 2 + 16, 7 + 16.
    const out = withTransformedClasses(images, [2, 7], 3, ['rot90', 'rot180']);
    expect(out.labels).toEqual([2, 7, 10, 15, 18, 23]);
    expect(Array.from(out.images.slice(0, 18))).toEqual(Array.from(images));
    expect(Array.from(out.images.slice(27, 36))).toEqual([-3, -6, -9, -2, -5, -8, -1, -4, -7]);
    expect(Array.from(out.images.slice(45, 54))).toEqual([-9, -8, -7, -6, -5, -4, -3, -2, -1]);
  });

  it('returns the images unchanged without transforms, and four quarter turns give the image back', () => {
    expect(withTransformedClasses(images, [0, 1], 3, [])).toEqual({ images, labels: [0, 1] });
    let x = Float32Array.from(a);
    for (let i = 0; i < 4; i++) x = withTransformedClasses(x, [0], 3, ['rot90']).images.slice(9);
    expect(Array.from(x)).toEqual(a);
  });

  it('refuses mismatched sizes, unknown and repeated transforms', () => {
    expect(() => withTransformedClasses(images, [0], 3, [])).toThrow('1 labels need 9 pixels of 3 x 3 images, got 18');
    expect(() => withTransformedClasses(images, [0, 1], 3, ['flip' as 'mirror'])).toThrow(
      'unknown class transform "flip" (rot90, rot180, rot270, mirror)',
    );
    expect(() => withTransformedClasses(images, [0, 1], 3, ['rot90', 'rot90'])).toThrow('a class transform is repeated: rot90, rot90');
  });
});
