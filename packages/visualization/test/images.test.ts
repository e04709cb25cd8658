import { ShapeError, ValueError } from '@tfsim/utils';

import { resolveRange, toImage, toImageBatch, toRaster } from '../src/images';

describe('toImage', () => {
  it('reads nested [h][w] and [h][w][c] arrays row-major', () => {
    const gray = toImage([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect([gray.height, gray.width, gray.channels]).toEqual([2, 3, 1]);
    expect(Array.from(gray.data)).toEqual([0, 1, 2, 3, 4, 5]);
    const rgb = toImage([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect([rgb.height, rgb.width, rgb.channels]).toEqual([1, 2, 3]);
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes a flat typed array with its shape without copying', () => {
    const data = new Float32Array(4 * 5 * 3);
    const img = toImage({ data, shape: [4, 5, 3] });
    expect(img.data).toBe(data);
    expect([img.height, img.width, img.channels]).toEqual([4, 5, 3]);
  });

  it('names ragged arrays, bad shapes, bad channel counts and non-finite values', () => {
    expect(() => toImage([[0, 1], [2]], 'example')).toThrow(ShapeError);
    expect(() => toImage([[0, 1], [2]], 'example')).toThrow(/example\[1\] has 1 entries, expected 2/);
    expect(() => toImage({ data: new Float32Array(6), shape: [2, 2] })).toThrow(/length 6 does not hold shape \[2, 2\]/);
    expect(() => toImage({ data: new Float32Array(8), shape: [2, 2, 2] })).toThrow(/2 channels/);
    expect(() => toImage({ data: new Float32Array(8), shape: [8] })).toThrow(/not an image shape/);
    expect(() => toImage([])).toThrow(ValueError);
    expect(() => toImage([[0, NaN]])).toThrow(ValueError);
    expect(() => toImage('x' as never)).toThrow(ShapeError);
  });
});

describe('toImageBatch', () => {
  it('splits a [n, h, w] block into views', () => {
    const data = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
    const imgs = toImageBatch({ data, shape: [2, 2, 3] });
    expect(imgs).toHaveLength(2);
    expect(Array.from(imgs[1]!.data)).toEqual([6, 7, 8, 9, 10, 11]);
    expect((imgs[1]!.data as Float32Array).buffer).toBe(data.buffer);
  });

  it('rejects mixed shapes and empty batches with the culprit named', () => {
    expect(() => toImageBatch([[[0, 1]], [[0, 1]], [[0], [1]]])).toThrow(ShapeError);
    expect(() => toImageBatch([[[0, 1]], [[0, 1]], [[0], [1]]])).toThrow(/images\[2\] is 2x1x1, images\[0\] is 1x2x1/);
    expect(() => toImageBatch([])).toThrow(ValueError);
    expect(() => toImageBatch({ data: new Float32Array(0), shape: [0, 2, 2] })).toThrow(ValueError);
  });
});

describe('pixel range', () => {
  it("reads [0, 1] data as [0, 1] and anything else as [0, 255] under 'auto'", () => {
    expect(resolveRange([toImage([[0, 0.5, 1]])])).toEqual([0, 1]);
    expect(resolveRange([toImage([[0, 2, 255]])])).toEqual([0, 255]);
    expect(resolveRange([toImage([[-1, 0.5]])])).toEqual([0, 255]);
    expect(resolveRange([toImage([[0]])], [-1, 1])).toEqual([-1, 1]);
    expect(() => resolveRange([toImage([[0]])], [1, 1])).toThrow(ValueError);
  });

  it('scales to 8 bits and clips', () => {
    const r = toRaster(toImage([[-1, 0, 0.5, 1, 2]]), [0, 1]);
    expect(Array.from(r.data)).toEqual([0, 0, 128, 255, 255]);
  });
});
