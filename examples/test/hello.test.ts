import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { formatHello, type HelloResult, KNOWN_CLASSES, runHello, UNSEEN_CLASSES } from '../src/hello/run';

/**
 * A shortened hello world (40 steps, small calibration and test sets): the
 * whole flow runs, the report has its structure, and the model beats chance.
 */
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/**
 * Best F1 a model at chance could reach on the unseen queries. If the nearest
 * indexed item's label is independent of the query's class, a match is right
 * with probability p = (indexed items of the query's class) / (index size);
 * precision is then p whatever the threshold, recall at most 1, and
 * F1 = 2PR / (P + R) <= 2p / (1 + p).
 */
function chanceF1(indexPerClass: number, indexSize: number): number {
  const p = indexPerClass / indexSize;
  return (2 * p) / (1 + p);
}

describe('hello world (shortened)', () => {
  let result: HelloResult;
  let outDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-hello-'));
    result = await runHello({ outDir, quick: true, log: (line) => lines.push(line) });
  }, 300_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('uses the notebook split and 20 indexed examples of each of the ten classes', () => {
    const { report } = result;
    expect(report.knownClasses).toEqual(KNOWN_CLASSES);
    expect(report.unseenClasses).toEqual(UNSEEN_CLASSES);
    expect(report.sizes).toEqual({ train: 6 * 300, index: 200, calibration: 200, testKnown: 6 * 50, testUnseen: 4 * 50 });
    expect(report.training.steps).toBe(40);
  });

  it('beats chance on the unseen classes', () => {
    const bound = chanceF1(20, 200); // 0.1818...
    expect(bound).toBeCloseTo(2 / 11, 10);
    expect(result.report.unseen.f1).toBeGreaterThan(bound);
    // Retrieval at chance: recall@1 = 1/10.
    expect(result.report.retrieval.unseen['recall@1']).toBeGreaterThan(0.1);
  });

  it('reports consistent metrics at one calibrated distance', () => {
    const { calibration, unseen, known } = result.report;
    for (const m of [calibration, unseen, known]) {
      for (const v of [m.f1, m.precision, m.recall]) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of [m.f1, m.precision, m.recall]) expect(v).toBeLessThanOrEqual(1);
      // F1 is the harmonic mean of precision and recall.
      const f1 = m.precision + m.recall === 0 ? 0 : (2 * m.precision * m.recall) / (m.precision + m.recall);
      expect(m.f1).toBeCloseTo(f1, 5);
    }
    expect(unseen.distance).toBeCloseTo(calibration.distance, 6);
    expect(known.distance).toBeCloseTo(calibration.distance, 6);
    for (const r of [result.report.retrieval.unseen, result.report.retrieval.known]) {
      expect(Object.keys(r).sort()).toEqual(['map@r', 'recall@1', 'recall@10', 'recall@5']);
      expect(r['recall@1']).toBeLessThanOrEqual(r['recall@5']);
      expect(r['recall@5']).toBeLessThanOrEqual(r['recall@10']);
    }
  });

  it('reloads the saved model with the same lookups', () => {
    expect(result.report.reload).toEqual({ queries: 50, unchanged: true });
    expect(fs.existsSync(path.join(outDir, 'model', 'manifest.json'))).toBe(true);
  });

  it('draws the neighbour grids, the confusion matrix, the calibration curve and the projector', () => {
    const pictures = result.report.pictures!;
    expect(pictures.neighbors).toHaveLength(10);
    for (const file of [...pictures.neighbors, pictures.confusionMatrix, pictures.calibrationCurve]) {
      expect(fs.readFileSync(file).subarray(0, 4)).toEqual(PNG_MAGIC);
    }
    expect(fs.readFileSync(pictures.projector, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('prints progress and a report naming the backend, the unseen-class F1, retrieval, run time and the pictures', () => {
    expect(lines.some((l) => /^training: step 20\/40, loss \d/.test(l))).toBe(true);
    const text = formatHello(result);
    expect(text).toContain(`backend: ${result.backend.name} (${result.backend.tfBackend})`);
    expect(text).toMatch(/unseen classes at the calibrated distance: F1 \d\.\d{3}, precision \d\.\d{3}, recall \d\.\d{3}/);
    expect(text).toMatch(/retrieval, unseen: recall@1 \d\.\d{3}, recall@5 \d\.\d{3}, recall@10 \d\.\d{3}, MAP@R \d\.\d{3}/);
    expect(text).toMatch(/run time: \d+\.\d s/);
    expect(text).toContain(`pictures: ${outDir}/`);
    expect(text).toContain('save and reload: lookups unchanged');
  });
});
