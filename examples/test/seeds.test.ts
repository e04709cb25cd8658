import type { SupervisedReport } from '../src/supervised/flow';
import { runSeeds, seedSummary } from '../src/supervised/seeds';

/** A report with only the numbers the seed summary reads. */
function report(f1: number, recallAt1: number, mapAtR: number): SupervisedReport {
  return {
    unseen: { distance: 0.2, f1, precision: 0.9, recall: 1 },
    retrieval: { unseen: { 'recall@1': recallAt1, 'recall@5': 1, 'recall@10': 1, 'map@r': mapAtR } },
    training: { seconds: 12.34 },
  } as unknown as SupervisedReport;
}

describe('the spread over seeds', () => {
  it('runs seeds 1..n, prints a line each and the mean, min and max', async () => {
    const lines: string[] = [];
    const numbers = [report(0.95, 0.9, 0.5), report(0.93, 0.88, 0.56), report(0.97, 0.95, 0.53)];
    const seen: number[] = [];
    await runSeeds(
      3,
      async (seed) => (seen.push(seed), numbers[seed - 1]!),
      (line) => lines.push(line),
    );
    expect(seen).toEqual([1, 2, 3]);
    expect(lines).toEqual([
      'seed 1: unseen F1 0.950, recall@1 0.900, MAP@R 0.500 (training 12.3 s)',
      'seed 2: unseen F1 0.930, recall@1 0.880, MAP@R 0.560 (training 12.3 s)',
      'seed 3: unseen F1 0.970, recall@1 0.950, MAP@R 0.530 (training 12.3 s)',
      '3 seeds (1, 2, 3): unseen F1 mean 0.950, min 0.930, max 0.970; recall@1 mean 0.910, min 0.880, max 0.950; MAP@R mean 0.530, min 0.500, max 0.560',
    ]);
  });

  it('refuses a seed count that is not a positive integer, and an empty summary', async () => {
    await expect(
      runSeeds(
        0,
        async () => report(1, 1, 1),
        () => {},
      ),
    ).rejects.toThrow('the seed count must be a positive integer, got 0');
    await expect(
      runSeeds(
        NaN,
        async () => report(1, 1, 1),
        () => {},
      ),
    ).rejects.toThrow('got NaN');
    expect(() => seedSummary([])).toThrow('no seed runs to summarise');
  });
});
