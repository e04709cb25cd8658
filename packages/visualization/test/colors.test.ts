import { UnknownNameError, ValueError } from '@tfsim/utils';

import { classColors, colormapTable, parseColor, pastel, toHex } from '../src/colors';

describe('colours', () => {
  it('parses the colour strings Vega produces', () => {
    expect(parseColor('#1f77b4')).toEqual([31, 119, 180]);
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('rgb(10, 74, 144)')).toEqual([10, 74, 144]);
    expect(toHex([31, 119, 180])).toBe('#1f77b4');
    expect(() => parseColor('blue')).toThrow(ValueError);
  });

  it("builds viridis with matplotlib's end points", () => {
    const lut = colormapTable('viridis')!;
    // viridis runs from #440154 to #fde725.
    expect(Array.from(lut.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(lut.subarray(255 * 3))).toEqual([0xfd, 0xe7, 0x25]);
    expect(colormapTable('gray')).toBeNull();
    expect(colormapTable('Grey')).toBeNull();
  });

  it('rejects unknown and discrete schemes by name', () => {
    expect(() => colormapTable('nope')).toThrow(UnknownNameError);
    expect(() => colormapTable('category10')).toThrow(/continuous colour scheme "category10"/);
  });

  it('gives distinct class colours for any number of classes', () => {
    for (const n of [1, 10, 20, 37]) {
      const c = classColors(n);
      expect(c).toHaveLength(n);
      expect(new Set(c).size).toBe(n);
      for (const x of c) expect(x).toMatch(/^#[0-9a-f]{6}$/);
    }
  });

  it('makes colours pastel as distinctipy does: (c + f) / (1 + f) per channel', () => {
    // #1f77b4 = (31, 119, 180); f = 0.1: 255 * (31/255 + 0.1) / 1.1 = 51.36 -> 51, 131.36 -> 131, 186.82 -> 187
    expect(pastel(['#1f77b4'], 0.1)).toEqual(['#3383bb']);
    expect(pastel(['#1f77b4', '#000000'], 0)).toEqual(['#1f77b4', '#000000']);
    // f = 1: halfway to white
    expect(pastel(['#000000', '#ffffff'], 1)).toEqual(['#808080', '#ffffff']);
    expect(() => pastel([], -0.5)).toThrow(expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(/pastelFactor/) }));
    expect(() => pastel([], Number.NaN)).toThrow(expect.objectContaining({ code: 'ERR_VALUE' }));
  });
});
