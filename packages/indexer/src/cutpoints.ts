/**
 * Cutpoints in the saved manifest: JSON cannot hold Infinity or NaN, so
 * non-finite numbers are written as the strings "Infinity", "-Infinity" and
 * "NaN". Decoding checks every field and builds maps without a prototype, so
 * a `"__proto__"` cutpoint is a cutpoint, not the map's prototype.
 */
import type { Cutpoint } from '@tfsim/evaluators';
import { FormatError } from '@tfsim/utils/core';

export type EncodedCutpoints = Record<string, Record<string, number | string>>;

export function encodeCutpoints(cutpoints: Readonly<Record<string, Cutpoint>>): EncodedCutpoints {
  const out: EncodedCutpoints = {};
  for (const [name, cp] of Object.entries(cutpoints)) {
    const encoded: Record<string, number | string> = {};
    for (const [key, value] of Object.entries(cp)) {
      encoded[key] = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    }
    out[name] = encoded;
  }
  return out;
}

const NON_FINITE: Readonly<Record<string, number>> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: Number.NaN };

function decodeNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.hasOwn(NON_FINITE, value)) return NON_FINITE[value]!;
  throw new FormatError(`${where} must be a number, got ${typeof value === 'string' ? 'a string' : typeof value}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The saved cutpoints, each checked: a `name` string, numbers (or the non-finite strings) for every other field. */
export function decodeCutpoints(saved: unknown, where: string): Record<string, Cutpoint> {
  if (!isRecord(saved)) throw new FormatError(`${where} must be an object of cutpoints`);
  const out = Object.create(null) as Record<string, Cutpoint>;
  for (const [name, cp] of Object.entries(saved)) {
    const at = `${where}["${name}"]`;
    if (!isRecord(cp)) throw new FormatError(`${at} must be an object`);
    const decoded = Object.create(null) as Record<string, number | string>;
    for (const [key, value] of Object.entries(cp)) {
      if (key === 'name') {
        if (typeof value !== 'string') throw new FormatError(`${at}.name must be a string`);
        decoded[key] = value;
      } else {
        decoded[key] = decodeNumber(value, `${at}.${key}`);
      }
    }
    for (const key of ['value', 'distance']) {
      if (!(key in decoded)) throw new FormatError(`${at} has no ${key}`);
    }
    if (Number.isNaN(decoded.distance)) throw new FormatError(`${at}.distance must not be NaN`);
    out[name] = decoded as Cutpoint;
  }
  return out;
}
