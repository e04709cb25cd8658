import { Registry, TfsimError } from '@tfsim/utils/core';

import { MapAtR, MeanReciprocalRank, PrecisionAt1, RPrecision } from './at-r';
import { BNDCG } from './bndcg';
import { MapAtK } from './map-at-k';
import { PrecisionAtK } from './precision-at-k';
import { RecallAtK } from './recall-at-k';
import { RetrievalMetric } from './retrieval-metric';

/** Options of any retrieval metric (a key the named metric does not take is an error). */
export type AnyRetrievalOptions = ConstructorParameters<typeof PrecisionAtK>[0] & ConstructorParameters<typeof MapAtR>[0];

type Factory = (options?: AnyRetrievalOptions) => RetrievalMetric;

/**
 * Retrieval metrics by name: the Python library's canonical names
 * (`recall@k`, `precision@k`, `map@k`, `ndcg@k`) with snake_case aliases,
 * and `r_precision`, `map@r`, `mean_reciprocal_rank`, `precision@1`.
 */
export const retrievalMetrics = new Registry<Factory>('retrieval metric');
retrievalMetrics.register(['recall@k', 'recall_at_k', 'recall'], () => (o) => new RecallAtK(o));
retrievalMetrics.register(['precision@k', 'precision_at_k', 'precision'], () => (o) => new PrecisionAtK(o));
retrievalMetrics.register(['map@k', 'map_at_k', 'map'], () => (o) => new MapAtK(o));
retrievalMetrics.register(['ndcg@k', 'bndcg', 'ndcg'], () => (o) => new BNDCG(o));
retrievalMetrics.register(['r_precision', 'rprecision'], () => (o) => new RPrecision(o));
retrievalMetrics.register(['map@r', 'map_at_r', 'mean_average_precision_at_r'], () => (o) => new MapAtR(o));
retrievalMetrics.register(['mean_reciprocal_rank', 'mrr'], () => (o) => new MeanReciprocalRank(o));
retrievalMetrics.register(['precision@1', 'precision_at_1'], () => (o) => new PrecisionAt1(o));

/** A new metric for a name (with its options), or the instance itself. */
export function makeRetrievalMetric(metric: string | RetrievalMetric, options: AnyRetrievalOptions = {}): RetrievalMetric {
  if (typeof metric === 'string') return retrievalMetrics.get(metric)(options);
  if (
    metric instanceof RetrievalMetric ||
    (metric !== null && typeof metric === 'object' && typeof (metric as RetrievalMetric).compute === 'function')
  ) {
    return metric;
  }
  throw new TfsimError(
    `a retrieval metric must be a name (${retrievalMetrics.names().join(', ')}) or a RetrievalMetric, got ${String(metric)}`,
  );
}
