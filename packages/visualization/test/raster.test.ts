import sharp from 'sharp';

import { applyColormap, escapeXml, pngDataUrl, rasterToPng } from '../src/raster';

describe('raster helpers', () => {
  it('maps a one-channel raster through a 256-entry RGB table, and leaves others alone', () => {
    const lut = new Uint8Array(256 * 3);
    for (let v = 0; v < 256; v++) lut.set([v, 255 - v, v >> 1], v * 3);
    const gray = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([0, 200]) };
    expect(applyColormap(gray, lut)).toEqual({ width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 255, 0, 200, 55, 100]) });
    expect(applyColormap(gray, null)).toBe(gray);
    const rgb = { width: 1, height: 1, channels: 3 as const, data: Uint8Array.from([1, 2, 3]) };
    expect(applyColormap(rgb, lut)).toBe(rgb);
  });

  it('upscales small rasters by whole pixels and downscales large ones to the box, keeping the aspect ratio', async () => {
    const small = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([0, 255]) };
    const up = await rasterToPng(small, 9);
    expect([up.width, up.height]).toEqual([8, 4]);
    const { data, info } = await sharp(up.png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([8, 4]);
    // Nearest neighbour: the left half stays black, the right half white, no blending.
    const row = Array.from({ length: 8 }, (_, x) => data[x * info.channels]!);
    expect(row).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
    const large = { width: 40, height: 20, channels: 3 as const, data: new Uint8Array(40 * 20 * 3).fill(128) };
    const down = await rasterToPng(large, 10);
    expect([down.width, down.height]).toEqual([10, 5]);
    expect((await rasterToPng(small)).width).toBe(2);
  });

  it('makes data URLs and escapes text for SVG and HTML', () => {
    expect(pngDataUrl(Buffer.from([1, 2, 3]))).toBe('data:image/png;base64,AQID');
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
  });
});
