import { type Mask } from './inputs';
import { averageFloat32, RetrievalMetric, type RetrievalMetricOptions } from './retrieval-metric';

/**
 * Recall@K as metric learning uses it: a query scores 1 when ANY of its k
 * nearest neighbours has its label, 0 otherwise.
 */
export class RecallAtK extends RetrievalMetric {
  constructor(options: RetrievalMetricOptions = {}) {
    super(options, { name: 'recall', canonicalName: 'recall@k' });
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask): number {
    const start = this.dropClosestLookup ? 1 : 0;
    const end = Math.min(mask.cols, start + this.k);
    const perExample = new Float32Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      for (let j = start; j < end; j++) {
        if (mask.data[i * mask.cols + j]) {
          perExample[i] = 1;
          break;
        }
      }
    }
    return averageFloat32(perExample, queryLabels, this.average);
  }
}
