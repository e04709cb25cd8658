/**
 * k-means and the NMI / AMI of embeddings the way pytorch-metric-learning
 * reports them, against scikit-learn's KMeans + scores on blobs whose
 * partition any k-means finds (fixture of tools/reference/sklearn_mutual_info_reference.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ShapeError, ValueError } from '@tfsim/utils';

import { clusteringScores, kMeans, normalizedMutualInfoScore } from '../src';

const SKLEARN = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'sklearn-mutual-info.json'), 'utf8')) as {
  clustering: { embeddings: number[][]; labels: number[]; nmi: number; ami: number };
};

describe('kMeans', () => {
  it('finds the two groups of a line, with their means and inertia', () => {
    const { labels, centroids, inertia } = kMeans([[0], [1], [10], [11]], 2, { seed: 3 });
    expect(labels[0]).toBe(labels[1]);
    expect(labels[2]).toBe(labels[3]);
    expect(labels[0]).not.toBe(labels[2]);
    expect(centroids[labels[0]!]).toBe(0.5);
    expect(centroids[labels[2]!]).toBe(10.5);
    expect(inertia).toBe(1);
  });

  it('is reproducible by seed', () => {
    const { embeddings } = SKLEARN.clustering;
    expect(kMeans(embeddings, 4, { seed: 5 })).toEqual(kMeans(embeddings, 4, { seed: 5 }));
  });

  it('names bad input', () => {
    expect(() => kMeans([[0], [1]], 3)).toThrow(/k = 3 clusters is more than the 2 rows/);
    expect(() => kMeans([[0], [1]], 0)).toThrow(ValueError);
    expect(() => kMeans([[0], [Number.NaN]], 1)).toThrow(/NaN|finite/);
    expect(() => kMeans([[0], [1]], 1, { maxIter: 0 })).toThrow(/maxIter must be an integer >= 1/);
  });
});

describe('clusteringScores against scikit-learn', () => {
  it('scores the labels against k-means clusters as KMeans + sklearn do', () => {
    const { embeddings, labels, nmi, ami } = SKLEARN.clustering;
    for (const seed of [0, 1, 2]) {
      const scores = clusteringScores(embeddings, labels, { seed });
      expect(scores.nmi).toBeCloseTo(nmi, 12);
      expect(scores.ami).toBeCloseTo(ami, 12);
      expect(normalizedMutualInfoScore(labels, scores.clusterLabels)).toBe(scores.nmi);
    }
  });

  it('checks the labels against the rows', () => {
    expect(() => clusteringScores([[0], [1]], [0])).toThrow(ShapeError);
  });
});
