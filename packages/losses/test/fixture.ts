/** The Python library's outputs (tools/reference/losses_reference.py), typed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MetricCase {
  loss: string;
  config: Record<string, unknown>;
  batch: string;
  labels: number[];
  embeddings?: number[][];
  perExample: number[];
  mean: number;
  gradient?: number[];
}

export interface XbmCase {
  loss: string;
  config: Record<string, unknown>;
  memorySize: number;
  warmupSteps: number;
  steps: { labels: number[]; embeddings: number[][] }[];
  values: number[];
  gradients: number[][];
}

export interface MultiNegCase {
  config: { scale: number };
  queries: number[][];
  keys: number[][];
  perExample: number[];
  mean: number;
  gradientQueries: number[];
  gradientKeys: number[];
}

export interface SelfSupervisedCase {
  loss: string;
  config: Record<string, unknown>;
  za: number[][];
  zb: number[][];
  perExample: number[];
  mean: number;
  gradientA: number[];
  gradientB: number[];
}

export interface PythonReference {
  metric: MetricCase[];
  /** The DESIGN.md mining and semi-hard examples, exact. */
  design: MetricCase[];
  xbm: XbmCase[];
  multiNegativesRank: MultiNegCase[];
  selfSupervised: SelfSupervisedCase[];
}

export const PYTHON: PythonReference = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'python-reference.json'), 'utf8'),
) as PythonReference;

/** The Python tests' batches: classes 0..k-1 twice; one-hot of the label (perfect) or, for the second half, of the reversed label (bad). */
export function designBatch(kind: 'perfect' | 'bad', classes: number): { labels: number[]; embeddings: number[][] } {
  const labels = [...Array(classes).keys(), ...Array(classes).keys()];
  const hot = [...Array(classes).keys(), ...(kind === 'perfect' ? [...Array(classes).keys()] : [...Array(classes).keys()].reverse())];
  const embeddings = hot.map((h) => Array.from({ length: classes }, (_, j) => (j === h ? 1 : 0)));
  return { labels, embeddings };
}

/** The case's embeddings, rebuilding the one-hot batches the fixture leaves out. */
export function caseEmbeddings(c: MetricCase): number[][] {
  if (c.embeddings) return c.embeddings;
  const [kind, size] = c.batch.split('-') as ['perfect' | 'bad', string];
  return designBatch(kind, Number(size) / 2).embeddings;
}
