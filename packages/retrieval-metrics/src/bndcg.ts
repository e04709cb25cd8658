import { ShapeError, toDistanceMatrix } from '@tfsim/utils/core';

import type { Mask, RetrievalInputs } from './inputs';
import { averageFloat32, RetrievalMetric, type RetrievalMetricOptions } from './retrieval-metric';

const f32 = Math.fround;

/**
 * Binary normalised discounted cumulative gain: relevance is 1 for a
 * neighbour with the query's label within `distanceThreshold`, 0 otherwise;
 * DCG = sum of relevance / log2(rank + 1) over the k neighbours, divided by
 * the DCG of the ideal (relevant-first) ordering.
 */
export class BNDCG extends RetrievalMetric {
  constructor(options: RetrievalMetricOptions = {}) {
    super(options, { name: 'ndcg', canonicalName: 'ndcg@k' });
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number {
    let distances: { data: Float32Array; rows: number; cols: number } | null = null;
    if (inputs.lookupDistances != null) {
      distances = toDistanceMatrix(inputs.lookupDistances);
      if (distances.rows !== queryLabels.length) {
        throw new ShapeError(
          `The number of lookup distance rows must equal the number of query labels. Number of lookup distance rows is ${distances.rows} but the number of query labels is ${queryLabels.length}.`,
        );
      }
      if (distances.cols !== mask.cols) {
        throw new ShapeError(`lookupDistances has ${distances.cols} columns but the match mask has ${mask.cols}`);
      }
    } else if (this.distanceThreshold !== Number.POSITIVE_INFINITY) {
      throw new ShapeError(`${this.name}: a distance threshold needs lookupDistances`);
    }
    const start = this.dropClosestLookup ? 1 : 0;
    const end = Math.min(mask.cols, start + this.k);
    const width = end - start;
    // 1 / log2(rank + 1) in float32, as the Python library computes it
    const ln2 = f32(Math.LN2);
    const inverseWeights = new Float32Array(width);
    for (let j = 0; j < width; j++) inverseWeights[j] = f32(1 / f32(f32(Math.log1p(j + 1)) / ln2));
    const threshold = f32(this.distanceThreshold);

    const perExample = new Float32Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      let dcg = 0;
      let relevant = 0;
      for (let j = 0; j < width; j++) {
        const col = start + j;
        const hit = mask.data[i * mask.cols + col] && (!distances || distances.data[i * mask.cols + col]! <= threshold);
        if (hit) {
          dcg = f32(dcg + inverseWeights[j]!);
          relevant++;
        }
      }
      let idcg = 0;
      for (let j = 0; j < relevant; j++) idcg = f32(idcg + inverseWeights[j]!);
      perExample[i] = idcg === 0 ? 0 : f32(dcg / idcg);
    }
    return averageFloat32(perExample, queryLabels, this.average);
  }
}
