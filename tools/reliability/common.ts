/**
 * What every reliability case shares: its outcome, how an error is judged
 * (ours, naming the problem, or a raw one), and small fixtures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { TfsimError } from '@tfsim/utils';

/**
 * - `ok`: the operation did what it promises (nothing lost, nothing wrong);
 * - `clear-error`: it refused with one of our errors (TfsimError);
 * - `raw-error`: it failed with someone else's error (TypeError, ENOENT, ...);
 * - `accepted`: a hostile input was taken as if it were valid;
 * - `data-lost`: acknowledged data is missing, partial or wrong;
 * - `hang` / `over-memory`: stopped by the runner at 30 s or 1 GB RSS.
 */
export type Verdict = 'ok' | 'clear-error' | 'raw-error' | 'accepted' | 'data-lost' | 'hang' | 'over-memory';

export interface Outcome {
  verdict: Verdict;
  detail: string;
}

export interface Case {
  name: string;
  group: 'sigkill' | 'redis' | 'hostile-file' | 'buffer-reuse';
  /** Whose branch carries the fix, when it is not this one (the case fails until that merge). */
  pendingOn?: 'oneway' | 'search';
  /** The verdicts of a passing run: the operation succeeds, or it is refused with our error. */
  expect: Verdict[];
  run(scratch: string): Promise<Outcome>;
}

/** The verdict of an error thrown by the code under test. */
export function judgeError(err: unknown): Outcome {
  const e = err as Error;
  const message = `${e?.name ?? typeof err}: ${String(e?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200)}`;
  return { verdict: err instanceof TfsimError ? 'clear-error' : 'raw-error', detail: message };
}

/** Runs `attempt`; its error is judged, its success is `onSuccess`'s verdict. */
export async function outcomeOf<T>(attempt: () => Promise<T>, onSuccess: (value: T) => Promise<Outcome> | Outcome): Promise<Outcome> {
  let value: T;
  try {
    value = await attempt();
  } catch (err) {
    return judgeError(err);
  }
  return onSuccess(value);
}

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tfsim-reliability-${prefix}-`));
}

/** Row i of batch b: a vector that names both, so a lost or swapped row is seen. */
export function rowOf(batch: number, i: number, dim: number): Float32Array {
  const row = new Float32Array(dim);
  row[0] = batch + 1;
  row[1] = i + 1;
  for (let j = 2; j < dim; j++) row[j] = (batch * 31 + i * 7 + j) % 13;
  return row;
}

export function batchOf(batch: number, rows: number, dim: number): Float32Array[] {
  return Array.from({ length: rows }, (_, i) => rowOf(batch, i, dim));
}

/**
 * A saved index of 40 records (8 classes), calibrated, on a memory store and
 * the given search: the valid folder every hostile file is made from.
 */
export async function savedIndex(dir: string, search: 'linear' | 'faiss' = 'linear'): Promise<void> {
  const index = new Indexer(4, { search, kvStore: 'memory' });
  const rows = batchOf(0, 40, 4).map((r, i) => Float32Array.from(r, (v, j) => v + (j === 0 ? i % 8 : 0)));
  await index.batchAdd(
    rows,
    rows.map((_, i) => i % 8),
    rows.map((_, i) => ({ i })),
  );
  await index.calibrate(
    rows.slice(0, 16),
    rows.slice(0, 16).map((_, i) => i % 8),
    {},
    { calibrationMetric: 'f1_score', verbose: 0 },
  );
  await index.save(dir);
  await index.close();
}

export function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}
