/**
 * Reads the reference values that the scripts under tools/reference/ write
 * from the Python library (JSON, with non-finite numbers as the strings
 * "Infinity", "-Infinity" and "NaN", which JSON cannot hold). No TensorFlow.js
 * here: import it as `@tfsim/test-utils/reference`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Parses reference JSON, turning "Infinity", "-Infinity" and "NaN" strings back into numbers. */
export function parseReference<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (v === 'NaN') return Number.NaN;
    return v;
  }) as T;
}

/** `fixtures/<file>` next to the calling test (pass its `__dirname`), default `python-reference.json`. */
export function loadReference<T>(testDir: string, file = 'python-reference.json'): T {
  return parseReference<T>(readFileSync(join(testDir, 'fixtures', file), 'utf8'));
}
