import { Rng } from '@tfsim/utils';
import sharp from 'sharp';

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  /** [r, g, b] at (x, y). */
  at(x: number, y: number): [number, number, number];
}

/** Decodes a PNG to RGB pixels, as a viewer would see it. */
export async function decodePng(png: Buffer): Promise<Decoded> {
  const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  return {
    width: info.width,
    height: info.height,
    channels,
    data,
    at(x, y) {
      const o = (Math.floor(y) * info.width + Math.floor(x)) * channels;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    },
  };
}

export async function pngFormat(png: Buffer): Promise<string | undefined> {
  return (await sharp(png).metadata()).format;
}

/** Largest channel difference between two colours. */
export function colorDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0]! - b[0]!), Math.abs(a[1]! - b[1]!), Math.abs(a[2]! - b[2]!));
}

export function isRed([r, g, b]: readonly number[]): boolean {
  return r > 180 && g < 80 && b < 80;
}

/** The data the page carries, read back from its inline spec. */
export function pageSpec(html: string): { data: Array<{ name: string; values?: Array<Record<string, unknown>> }> } {
  const m = /<script type="application\/json" id="spec">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no spec in page');
  return JSON.parse(m[1]!);
}

/** Well-separated blobs: class c sits around 6 * e_c. */
export function blobs(n: number, classes: number, dim: number, seed: number): { embeddings: number[][]; labels: number[] } {
  const rng = new Rng(seed);
  const embeddings: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels.push(c);
    embeddings.push(Array.from({ length: dim }, (_, j) => (j === c ? 6 : 0) + rng.normal(0, 0.5)));
  }
  return { embeddings, labels };
}
