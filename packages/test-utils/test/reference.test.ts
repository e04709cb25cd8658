import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '../src';
import { loadReference, parseReference } from '../src/reference';

describe('reference values', () => {
  const dir = tempDir('tfsim-reference-');

  it('turns the strings the Python scripts write for non-finite numbers back into numbers, and nothing else', () => {
    const parsed = parseReference<{ a: unknown[]; s: string }>('{"a": ["Infinity", "-Infinity", "NaN", 1.5, "inf"], "s": "NaN-ish"}');
    expect(parsed.a).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1.5, 'inf']);
    expect(parsed.s).toBe('NaN-ish');
  });

  it('reads fixtures/python-reference.json, or another file, next to the calling test', () => {
    mkdirSync(join(dir, 'fixtures'));
    writeFileSync(join(dir, 'fixtures', 'python-reference.json'), '{"cases": [{"f1": "NaN"}]}');
    writeFileSync(join(dir, 'fixtures', 'pml.json'), '{"k": 3}');
    expect(loadReference<{ cases: Array<{ f1: number }> }>(dir).cases[0]!.f1).toBeNaN();
    expect(loadReference(dir, 'pml.json')).toEqual({ k: 3 });
    expect(() => loadReference(dir, 'missing.json')).toThrow(/missing\.json/);
  });
});
