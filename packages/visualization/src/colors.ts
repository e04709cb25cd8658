import { UnknownNameError, ValueError } from '@tfsim/utils';
import * as vega from 'vega';

export type Rgb = [number, number, number];

/** Parses the colour strings Vega's schemes produce: `#rgb`, `#rrggbb`, `rgb(r, g, b)`. */
export function parseColor(color: string): Rgb {
  const s = color.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) {
    const v = parseInt(m[1]!, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(s);
  if (m) return [parseInt(m[1]! + m[1]!, 16), parseInt(m[2]! + m[2]!, 16), parseInt(m[3]! + m[3]!, 16)];
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(s);
  if (m) return [Math.round(Number(m[1])), Math.round(Number(m[2])), Math.round(Number(m[3]))];
  throw new ValueError(`cannot read colour "${color}"; expected #rrggbb or rgb(r, g, b)`);
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

const EXAMPLE_SCHEMES = ['viridis', 'magma', 'inferno', 'plasma', 'greys', 'blues', 'reds', 'greens', 'oranges', 'purples', 'turbo'];

/** A continuous Vega colour scheme (`'viridis'`, `'blues'`, ...) as a function of t in [0, 1]. */
export function colorScheme(name: string): (t: number) => string {
  const s: unknown = vega.scheme(name.toLowerCase());
  if (typeof s !== 'function') throw new UnknownNameError('continuous colour scheme', name, EXAMPLE_SCHEMES);
  return s as (t: number) => string;
}

/**
 * A 256-entry RGB lookup table for a grayscale colour map, or null for
 * `'gray'`/`'grey'` (pixels stay gray).
 */
export function colormapTable(name: string): Uint8Array | null {
  if (/^gr[ae]y$/i.test(name)) return null;
  const scheme = colorScheme(name);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(parseColor(scheme(i / 255)), i * 3);
  return lut;
}

/** `n` distinct colours for classes: Vega's category10/category20, then evenly spaced hues. */
export function classColors(n: number): string[] {
  if (n <= 10) return (vega.scheme('category10') as string[]).slice(0, n);
  if (n <= 20) return (vega.scheme('category20') as string[]).slice(0, n);
  const sinebow = colorScheme('sinebow');
  return Array.from({ length: n }, (_, i) => toHex(parseColor(sinebow(i / n))));
}

/**
 * Colours moved towards white, as distinctipy's `pastel_factor` (the Python
 * projector's option): each channel c in [0, 1] becomes (c + f) / (1 + f).
 * 0 keeps the colours; larger is paler.
 */
export function pastel(colors: readonly string[], factor: number): string[] {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 0)
    throw new ValueError(`pastelFactor must be a finite number >= 0, got ${String(factor)}`);
  if (factor === 0) return [...colors];
  return colors.map((c) => toHex(parseColor(c).map((v) => Math.round(((v / 255 + factor) / (1 + factor)) * 255)) as Rgb));
}
