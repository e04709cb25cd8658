/** What a saved and reloaded SimilarityModel must reproduce, as JSON-safe values. */
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import type { SimilarityModel } from '../src/similarity-model';
import { clustersTensor, makeClusters } from './fixture';

export interface Snapshot {
  /** The predictions' float32 bytes, base64. */
  predictions: string;
  lookups: Array<Array<{ label: number | null | undefined; distance: number; data: unknown }>>;
  cutpoints: unknown;
  matches: Record<string, number[]>;
  evaluation: unknown;
  distance: string | undefined;
  embeddingOutput: number | null;
  compileChoices: unknown;
  indexSize: number;
}

/** The queries every snapshot is taken on: 160 held-out cluster points. */
export const QUERY_SEED = 2;

export async function snapshot(model: SimilarityModel): Promise<Snapshot> {
  const q = clustersTensor(makeClusters(QUERY_SEED, 8, 20));
  const prediction = model.predict(q) as Tensor;
  const bytes = prediction.dataSync() as Float32Array;
  const predictions = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  prediction.dispose();
  const lookups = (await model.lookup(q, 3, 0)).map((row) => row.map((l) => ({ label: l.label, distance: l.distance, data: l.data })));
  const matches = await model.match(q, { cutpoint: 'all' });
  const evaluation = await model.evaluateClassification(q, makeClusters(QUERY_SEED, 8, 20).y, { verbose: 0 });
  tf.dispose(q);
  return {
    predictions,
    lookups,
    cutpoints: model.indexer.cutpoints,
    matches,
    evaluation,
    distance: model.distance?.name,
    embeddingOutput: model.embeddingOutput,
    compileChoices: model.compileChoices,
    indexSize: await model.indexSize(),
  };
}
