import type { BackendReport } from '@tfsim/utils';

import type { SupervisedReport } from '../src/supervised/flow';
import { formatReport } from '../src/supervised/format';

/** The printed report: the lines scripts read, and the data line with and without the rotated classes. */
const backend = { name: 'tfjs-node', tfBackend: 'tensorflow', forced: true, skipped: [] } as unknown as BackendReport;
const at = (f1: number) => ({ distance: 0.3248, f1, precision: 0.924, recall: 1 });
const retrieval = { 'recall@1': 0.924, 'recall@5': 0.974, 'recall@10': 0.984, 'map@r': 0.674 };
const report: SupervisedReport = {
  dataset: 'MNIST digits',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  knownClasses: [2, 3, 1, 7, 9, 6],
  unseenClasses: [8, 5, 0, 4],
  classTransforms: [],
  sizes: { train: 4800, index: 200, calibration: 500, testKnown: 992, testUnseen: 2000 },
  model: { architecture: 'notebook', parameters: 327_200, embeddingSize: 64, loss: 'MultiSimilarityLoss (cosine)', averaging: null },
  training: { steps: 1000, seconds: 25.94, firstLoss: 1.373, lastLoss: 0.909, graphSteps: 997, graphFallback: null },
  calibration: at(0.979),
  unseen: at(0.961),
  known: at(0.983),
  retrieval: { unseen: retrieval, known: retrieval },
  matchAccuracy: { unseen: 0.924, known: 0.964 },
  reload: { queries: 50, unchanged: true },
  pictures: null,
  savedModel: null,
};

describe('formatReport', () => {
  it('prints the unseen line exactly as scripts read it', () => {
    const lines = formatReport('hello world', backend, 'plan', report, 31.6).split('\n');
    expect(lines).toContain('unseen classes at the calibrated distance: F1 0.961, precision 0.924, recall 1.000');
    expect(lines).toContain('training: 1000 steps in 25.9 s, loss 1.373 -> 0.909');
  });

  it('names the rotated copies trained on as classes of their own, and nothing without them', () => {
    const data = (r: SupervisedReport) =>
      formatReport('hello world', backend, 'plan', r, 1)
        .split('\n')
        .find((l) => l.startsWith('data: '));
    expect(data(report)).toBe(
      'data: MNIST digits; trained on 2, 3, 1, 7, 9, 6 (4800 images), unseen 8, 5, 0, 4; index 200 (20 per class), calibration 500, test 992 known + 2000 unseen',
    );
    expect(data({ ...report, classTransforms: ['rot90', 'rot180', 'rot270'] })).toBe(
      'data: MNIST digits; trained on 2, 3, 1, 7, 9, 6 (4800 images, and their rot90, rot180, rot270 copies as classes of their own), ' +
        'unseen 8, 5, 0, 4; index 200 (20 per class), calibration 500, test 992 known + 2000 unseen',
    );
  });
});
