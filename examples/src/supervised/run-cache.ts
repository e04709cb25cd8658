/**
 * The fold runs of a selection kept in a file (one JSON line each), so that a
 * rerun with an added candidate trains only what is new: a run is known by
 * everything that decides it (the recipe's settings but not its name, the
 * fold, the seed, the dataset and its sizes). The file holds scores of the
 * code that wrote it: delete it when the training code changes.
 */
import * as fs from 'node:fs';

import { ValueError } from '@tfsim/utils';

import type { Recipe } from './recipe';
import type { Fold, FoldScore } from './selection';

export interface RunKey {
  datasetName: string;
  sizes: object;
  recipe: Recipe;
  fold: Fold;
  seed: number;
}

/** The key's JSON, the recipe without its name and with its fields in a fixed order. */
export function runKey(key: RunKey): string {
  const { name: _name, ...settings } = key.recipe;
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sorted(v)]),
          )
        : value;
  return JSON.stringify(sorted({ ...key, recipe: settings }));
}

export class RunCache {
  private readonly scores = new Map<string, FoldScore>();

  /** Reads `file` if it exists (a missing file is an empty cache). */
  constructor(private readonly file: string) {
    if (!fs.existsSync(file)) return;
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .forEach((line, i) => {
        let entry: { key?: unknown; score?: unknown };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          throw new ValueError(`line ${i + 1} of the run cache ${file} is not JSON`);
        }
        if (typeof entry.key !== 'string' || typeof entry.score !== 'object' || entry.score === null)
          throw new ValueError(`line ${i + 1} of the run cache ${file} has no key and score`);
        this.scores.set(entry.key, entry.score as FoldScore);
      });
  }

  get(key: RunKey): FoldScore | undefined {
    return this.scores.get(runKey(key));
  }

  /** Remembers the score and appends it to the file at once, so an interrupted selection keeps its finished runs. */
  set(key: RunKey, score: FoldScore): void {
    const k = runKey(key);
    this.scores.set(k, score);
    fs.appendFileSync(this.file, `${JSON.stringify({ key: k, score })}\n`);
  }
}
