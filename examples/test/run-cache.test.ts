import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { QUICK_CANDIDATES } from '../src/supervised/recipe';
import { RunCache, runKey } from '../src/supervised/run-cache';
import type { FoldScore } from '../src/supervised/selection';

/** The selection's run cache: what makes two runs the same, and the file round trip. */
const recipe = QUICK_CANDIDATES[0]!;
const key = { datasetName: 'digits', sizes: { trainPerClass: 300 }, recipe, fold: { train: [1, 7], validation: [2, 3] }, seed: 1 };
const score: FoldScore = { f1: 0.91234567, precision: 0.8, recall: 1, recallAt1: 0.85, mapAtR: 0.5, trainSeconds: 30.5 };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-cache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('runKey', () => {
  it('ignores the recipe name and the order of its fields, not its settings, fold or seed', () => {
    const reordered = Object.fromEntries(Object.entries({ ...recipe, name: 'other' }).reverse()) as unknown as typeof recipe;
    expect(runKey({ ...key, recipe: reordered })).toBe(runKey(key));
    expect(runKey({ ...key, recipe: { ...recipe, cnn: { head: 'average' } } })).not.toBe(runKey(key));
    expect(runKey({ ...key, recipe: { ...recipe, cnn: undefined } })).toBe(runKey(key));
    expect(runKey({ ...key, seed: 2 })).not.toBe(runKey(key));
    expect(runKey({ ...key, fold: { train: [2, 3], validation: [1, 7] } })).not.toBe(runKey(key));
    expect(runKey({ ...key, sizes: { trainPerClass: 800 } })).not.toBe(runKey(key));
  });
});

describe('RunCache', () => {
  it('gives back, from a new cache on the same file, exactly the scores set', () => {
    const file = path.join(dir, 'runs.jsonl');
    const first = new RunCache(file);
    expect(first.get(key)).toBeUndefined();
    first.set(key, score);
    first.set({ ...key, seed: 2 }, { ...score, f1: 0.5 });
    const again = new RunCache(file);
    expect(again.get(key)).toEqual(score);
    expect(again.get({ ...key, seed: 2 })!.f1).toBe(0.5);
    expect(again.get({ ...key, seed: 3 })).toBeUndefined();
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('refuses a file whose lines are not its entries', () => {
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, '{"key": "a", "score": {}}\nnot json\n');
    expect(() => new RunCache(file)).toThrow(`line 2 of the run cache ${file} is not JSON`);
    fs.writeFileSync(file, '{"score": {}}\n');
    expect(() => new RunCache(file)).toThrow(`line 1 of the run cache ${file} has no key and score`);
  });
});
