/**
 * The spread of a supervised example over seeds: one run per seed (weights,
 * batches and augmentation all follow it), the unseen-class numbers of each,
 * and their mean, min and max.
 */
import { ValueError } from '@tfsim/utils';

import type { SupervisedReport } from './flow';

export interface SeedNumbers {
  seed: number;
  /** Unseen classes at the calibrated distance. */
  f1: number;
  recallAt1: number;
  mapAtR: number;
  trainSeconds: number;
}

export function seedNumbers(seed: number, report: SupervisedReport): SeedNumbers {
  return {
    seed,
    f1: report.unseen.f1,
    recallAt1: report.retrieval.unseen['recall@1'],
    mapAtR: report.retrieval.unseen['map@r'],
    trainSeconds: report.training.seconds,
  };
}

const f3 = (v: number) => v.toFixed(3);

export function seedLine(n: SeedNumbers): string {
  return `seed ${n.seed}: unseen F1 ${f3(n.f1)}, recall@1 ${f3(n.recallAt1)}, MAP@R ${f3(n.mapAtR)} (training ${n.trainSeconds.toFixed(1)} s)`;
}

/** Mean, min and max of each number over the seeds. */
export function seedSummary(all: readonly SeedNumbers[]): string {
  if (all.length === 0) throw new ValueError('no seed runs to summarise');
  const spread = (name: string, values: number[]) =>
    `${name} mean ${f3(values.reduce((a, b) => a + b, 0) / values.length)}, min ${f3(Math.min(...values))}, max ${f3(Math.max(...values))}`;
  return (
    `${all.length} seeds (${all.map((n) => n.seed).join(', ')}): ` +
    [
      spread(
        'unseen F1',
        all.map((n) => n.f1),
      ),
      spread(
        'recall@1',
        all.map((n) => n.recallAt1),
      ),
      spread(
        'MAP@R',
        all.map((n) => n.mapAtR),
      ),
    ].join('; ')
  );
}

/** Runs seeds 1..count one after the other, printing each seed's line as it ends, then the summary. */
export async function runSeeds(
  count: number,
  run: (seed: number) => Promise<SupervisedReport>,
  print: (line: string) => void,
): Promise<SeedNumbers[]> {
  if (!Number.isInteger(count) || count < 1) throw new ValueError(`the seed count must be a positive integer, got ${count}`);
  const all: SeedNumbers[] = [];
  for (let seed = 1; seed <= count; seed++) {
    const numbers = seedNumbers(seed, await run(seed));
    print(seedLine(numbers));
    all.push(numbers);
  }
  print(seedSummary(all));
  return all;
}
