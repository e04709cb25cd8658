/**
 * The self-supervised example, shortened (fewer digits, steps and queries):
 * the report has its documented shape and self-supervised training lifts the
 * k-NN accuracy of held-out digits above the untrained model's.
 */
import { setupBackend } from '@tfsim/utils';

import { runSelfSupervised } from '../src/self-supervised/run';

beforeAll(async () => {
  await setupBackend();
});

describe('self-supervised example (SimCLR on MNIST, shortened)', () => {
  it('reports k-NN accuracy before and after, and training raises it', async () => {
    const report = await runSelfSupervised({
      epochs: 2,
      stepsPerEpoch: 25,
      examplesPerBatch: 128,
      indexPerClass: 40,
      queryPerClass: 40,
      trainPerClass: 300,
      seed: 1,
      verbose: false,
    });
    expect(report).toEqual({
      algorithm: 'simclr',
      backend: expect.any(String),
      data: { train: 3000, index: 400, queries: 400 },
      training: { epochs: 2, stepsPerEpoch: 25, examplesPerBatch: 128, learningRate: expect.any(Number) },
      loss: [expect.any(Number), expect.any(Number)],
      knn: { k: 1, before: expect.any(Number), after: expect.any(Number) },
      knnBackbone: { k: 1, before: expect.any(Number), after: expect.any(Number) },
      seconds: { training: expect.any(Number), total: expect.any(Number) },
    });
    // Accuracies are fractions of the 400 queries.
    for (const a of [report.knn.before, report.knn.after, report.knnBackbone.before, report.knnBackbone.after]) {
      expect(Math.abs(a * 400 - Math.round(a * 400))).toBeLessThan(1e-9);
      expect(a).toBeGreaterThan(0.1);
      expect(a).toBeLessThanOrEqual(1);
    }
    console.log(
      `self-supervised (short): loss ${report.loss.map((l) => l.toFixed(3)).join(' ')}; 1-NN ${report.knn.before} -> ${report.knn.after} ` +
        `(backbone ${report.knnBackbone.before} -> ${report.knnBackbone.after}) on ${report.backend} in ${report.seconds.total.toFixed(1)} s`,
    );
    expect(report.loss[1]!).toBeLessThan(report.loss[0]!);
    expect(report.knn.after).toBeGreaterThan(report.knn.before);
    expect(report.knnBackbone.after).toBeGreaterThan(report.knnBackbone.before);
  });

  it('rejects an algorithm it does not run', async () => {
    await expect(runSelfSupervised({ algorithm: 'barlow' as never })).rejects.toThrow('algorithm must be simclr or simsiam, got barlow');
  });
});
