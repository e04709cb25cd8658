import sharp from 'sharp';

import type { RasterImage } from './images';

/** Maps a one-channel raster through a 256-entry RGB table. */
export function applyColormap(img: RasterImage, lut: Uint8Array | null): RasterImage {
  if (img.channels !== 1 || lut === null) return img;
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.data.length; i++) {
    const o = img.data[i]! * 3;
    out[i * 3] = lut[o]!;
    out[i * 3 + 1] = lut[o + 1]!;
    out[i * 3 + 2] = lut[o + 2]!;
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

/**
 * Resizes a raster to fit `box` x `box` pixels keeping its aspect ratio:
 * whole-number nearest-neighbour upscaling keeps small images (MNIST digits)
 * crisp; larger images are scaled down smoothly. Returns an RGB PNG.
 */
export async function rasterToPng(img: RasterImage, box?: number): Promise<{ png: Buffer; width: number; height: number }> {
  let pipeline = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  });
  let width = img.width;
  let height = img.height;
  if (box !== undefined) {
    const side = Math.max(width, height);
    if (side <= box) {
      const k = Math.max(1, Math.floor(box / side));
      width *= k;
      height *= k;
      if (k > 1) pipeline = pipeline.resize(width, height, { kernel: 'nearest' });
    } else {
      width = Math.max(1, Math.round((img.width * box) / side));
      height = Math.max(1, Math.round((img.height * box) / side));
      pipeline = pipeline.resize(width, height, { kernel: 'lanczos3' });
    }
  }
  if (img.channels === 4) pipeline = pipeline.flatten({ background: '#ffffff' });
  const png = await pipeline
    .toColourspace(img.channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
  return { png, width, height };
}

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
