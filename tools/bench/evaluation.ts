/**
 * `pnpm --filter @tfsim/tools bench:evaluation [--queries 100000] [--k 10] [--reps 2] [--tiny] [--json f] [--doc f]`
 *
 * MemoryEvaluator (the Python library's evaluator) on 100,000 queries with k
 * neighbours each: `calibrate` (F1, match_nearest, a 0.9 precision target,
 * precision and recall as extra metrics; every distinct distance a
 * threshold) and `evaluateRetrieval` (recall@1, recall@5, precision@5,
 * BNDCG@5). Lookups are synthetic and seeded: 100 classes, each neighbour of
 * the query's class with probability 0.8, distances increasing along a row.
 * Best of `reps` timed runs after a warm-up on 1,000 queries.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type { Lookup } from '@tfsim/utils';

import type { Machine } from './common';
import { fmt, machine, machineLine, markdownTable, publishResults, RESULTS_DIR, runAsScript } from './common';

export interface EvaluationRun {
  operation: 'calibrate' | 'evaluateRetrieval';
  queries: number;
  k: number;
  ms: number;
  queriesPerSec: number;
  /** Thresholds on the calibration curve (calibrate) or metrics computed (evaluateRetrieval). */
  size: number;
  /** The optimal F1 (calibrate) or recall@1 (evaluateRetrieval): a sanity value in [0, 1]. */
  value: number;
}

export interface EvaluationResults {
  benchmark: 'evaluation';
  machine: Machine;
  runs: EvaluationRun[];
}

export async function makeLookups(queries: number, k: number, seed = 5): Promise<{ labels: Int32Array; lookups: Lookup[][] }> {
  const { Rng } = await import('@tfsim/utils');
  const rng = new Rng(seed);
  const labels = new Int32Array(queries);
  const lookups: Lookup[][] = new Array(queries);
  for (let i = 0; i < queries; i++) {
    const label = rng.int(100);
    labels[i] = label;
    let d = rng.uniform(0, 0.5);
    const row: Lookup[] = new Array(k);
    for (let r = 0; r < k; r++) {
      row[r] = { rank: r + 1, distance: d, label: rng.uniform() < 0.8 ? label : rng.int(100) };
      d += rng.uniform(0, 0.1);
    }
    lookups[i] = row;
  }
  return { labels, lookups };
}

function best(reps: number, fn: () => void): number {
  let ms = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

export function evaluationTable(r: EvaluationResults): string {
  return [
    `Machine: ${machineLine(r.machine)}.`,
    '',
    "MemoryEvaluator on synthetic lookups (100 classes, 80% of neighbours of the query's class); best of the repetitions after a warm-up.",
    '',
    markdownTable(
      ['operation', 'queries', 'k', 'time', 'queries/s', 'curve thresholds / metrics', 'value'],
      r.runs.map((x) => [
        x.operation,
        x.queries.toLocaleString('en-US'),
        x.k,
        `${fmt(x.ms / 1000, 2)} s`,
        fmt(x.queriesPerSec, 0),
        x.size.toLocaleString('en-US'),
        x.value.toFixed(4),
      ]),
    ),
    '',
    'value: the optimal F1 (calibrate), recall@1 (evaluateRetrieval).',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      queries: { type: 'string', default: '100000' },
      k: { type: 'string', default: '10' },
      reps: { type: 'string', default: '2' },
      tiny: { type: 'boolean', default: false },
      json: { type: 'string', default: path.join(RESULTS_DIR, 'evaluation.json') },
      doc: { type: 'string' },
    },
  });
  const { MemoryEvaluator } = await import('@tfsim/evaluators');
  const { RecallAtK, PrecisionAtK, BNDCG } = await import('@tfsim/retrieval-metrics');
  const m = machine();
  const nq = values.tiny ? 2000 : Number(values.queries);
  const k = Number(values.k);
  const reps = values.tiny ? 1 : Number(values.reps);
  const evaluator = new MemoryEvaluator();
  const metrics = () => [new RecallAtK({ k: 1 }), new RecallAtK({ k: 5 }), new PrecisionAtK({ k: 5 }), new BNDCG({ k: 5 })];
  const calibrate = (labels: Int32Array, lookups: Lookup[][]) =>
    evaluator.calibrate(labels, lookups, { '0.9': 0.9 }, 'f1', 'match_nearest', { extraMetrics: ['precision', 'recall'], verbose: false });
  const warm = await makeLookups(1000, k, 6);
  calibrate(warm.labels, warm.lookups);
  evaluator.evaluateRetrieval(warm.labels, warm.lookups, metrics());

  const { labels, lookups } = await makeLookups(nq, k);
  let calibration: ReturnType<typeof calibrate> | undefined;
  const calibrateMs = best(reps, () => {
    calibration = calibrate(labels, lookups);
  });
  let retrieval: Record<string, number> = {};
  const retrievalMs = best(reps, () => {
    retrieval = evaluator.evaluateRetrieval(labels, lookups, metrics());
  });
  const recall1 = Object.entries(retrieval).find(([name]) => /recall@1$/.test(name))?.[1] ?? Object.values(retrieval)[0]!;
  const results: EvaluationResults = {
    benchmark: 'evaluation',
    machine: m,
    runs: [
      {
        operation: 'calibrate',
        queries: nq,
        k,
        ms: calibrateMs,
        queriesPerSec: (nq * 1000) / calibrateMs,
        size: calibration!.thresholds.distance!.length,
        value: calibration!.cutpoints.optimal!.value,
      },
      {
        operation: 'evaluateRetrieval',
        queries: nq,
        k,
        ms: retrievalMs,
        queriesPerSec: (nq * 1000) / retrievalMs,
        size: Object.keys(retrieval).length,
        value: recall1,
      },
    ],
  };
  publishResults(values.json, results, evaluationTable(results), values.doc, 'evaluation');
}

runAsScript(module, main);
