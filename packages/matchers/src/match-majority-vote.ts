import type { DistanceMatrix, LabelMatrix } from '@tfsim/utils/core';

import type { DerivedMatch } from './classification-match';
import { ClassificationMatch } from './classification-match';

/**
 * The most common label among the k neighbours; a tie goes to the label seen
 * first, i.e. the closer one. The distance is the mean over all k neighbours.
 */
export class MatchMajorityVote extends ClassificationMatch {
  constructor(name = 'majority_vote', canonicalName = 'match_majority_vote') {
    super(name, canonicalName);
  }

  protected derive(labels: LabelMatrix, distances: DistanceMatrix): DerivedMatch {
    const n = labels.rows;
    const k = labels.cols;
    const out: DerivedMatch = { labels: new Float64Array(n), distances: new Float32Array(n) };
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      counts.clear();
      let best = labels.data[i * k]!;
      let bestCount = 0;
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const label = labels.data[i * k + j]!;
        const c = (counts.get(label) ?? 0) + 1;
        counts.set(label, c);
        // float32 running sum, as TensorFlow's reduce_mean does: same digits as Python
        sum = Math.fround(sum + distances.data[i * k + j]!);
      }
      // Map iteration follows first appearance, so a strict > keeps the closer label on ties.
      for (const [label, c] of counts) {
        if (c > bestCount) {
          best = label;
          bestCount = c;
        }
      }
      out.labels[i] = best;
      out.distances[i] = Math.fround(sum / k);
    }
    return out;
  }
}
