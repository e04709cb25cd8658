import type { DistanceMatrix, LabelMatrix } from '@tfsim/utils/core';

import type { DerivedMatch } from './classification-match';
import { ClassificationMatch } from './classification-match';

/** The label and distance of the nearest neighbour (k = 1). */
export class MatchNearest extends ClassificationMatch {
  constructor(name = 'nearest', canonicalName = 'match_nearest') {
    super(name, canonicalName);
  }

  protected derive(labels: LabelMatrix, distances: DistanceMatrix): DerivedMatch {
    const n = labels.rows;
    const out: DerivedMatch = { labels: new Float64Array(n), distances: new Float32Array(n) };
    for (let i = 0; i < n; i++) {
      out.labels[i] = labels.data[i * labels.cols]!;
      out.distances[i] = distances.data[i * distances.cols]!;
    }
    return out;
  }
}
