import { UnknownNameError, ValueError } from '@tfsim/utils';
import { classColors, colormapTable, parseColor, toHex } from '../src/colors';

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
});
