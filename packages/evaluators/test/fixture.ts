import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Python library's outputs written by tools/reference/tfsim_reference.py (non-finite numbers as strings). */
export function loadReference<T>(): T {
  const text = readFileSync(join(__dirname, 'fixtures', 'python-reference.json'), 'utf8');
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (v === 'NaN') return Number.NaN;
    return v;
  }) as T;
}
