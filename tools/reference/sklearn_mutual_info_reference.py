#!/usr/bin/env python3
"""Reference values of scikit-learn's mutual_info_score,
normalized_mutual_info_score and adjusted_mutual_info_score (every
average_method) for @tfsim/retrieval-metrics' NMI / AMI, which
pytorch-metric-learning's AccuracyCalculator reports through scikit-learn.

Writes packages/retrieval-metrics/test/fixtures/sklearn-mutual-info.json.
Setup: the venv of tools/reference/pml_miners_reference.py (scikit-learn).
Run from the repository root:
  /tmp/pyref-python/bin/python tools/reference/sklearn_mutual_info_reference.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score, normalized_mutual_info_score

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "packages", "retrieval-metrics", "test", "fixtures", "sklearn-mutual-info.json")
METHODS = ("arithmetic", "geometric", "min", "max")


def main():
    rng = np.random.default_rng(22)
    cases = {
        "perfect, renamed": ([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 9, 9]),
        "split cluster": ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]),
        "independent": ([0, 0, 1, 1], [0, 1, 0, 1]),
        "one class, many clusters": ([0, 0, 0, 0], [0, 1, 2, 3]),
        "many classes, one cluster": ([0, 1, 2, 3], [7, 7, 7, 7]),
        "one group each": ([4, 4, 4], [1, 1, 1]),
        "string labels": (["cat", "cat", "dog", "dog", "eel"], ["a", "b", "b", "b", "a"]),
        "random 60, 5 classes, 4 clusters": (rng.integers(0, 5, 60).tolist(), rng.integers(0, 4, 60).tolist()),
        "noisy 300, 10 classes": None,
        "unbalanced 200": None,
    }
    truth = rng.integers(0, 10, 300)
    noisy = np.where(rng.random(300) < 0.3, rng.integers(0, 10, 300), truth)
    cases["noisy 300, 10 classes"] = (truth.tolist(), noisy.tolist())
    sizes = [120, 50, 20, 6, 3, 1]
    unbalanced = np.concatenate([np.full(n, c) for c, n in enumerate(sizes)])
    pred = np.where(rng.random(len(unbalanced)) < 0.2, rng.integers(0, 8, len(unbalanced)), unbalanced)
    cases["unbalanced 200"] = (unbalanced.tolist(), pred.tolist())

    out = []
    for name, (t, p) in cases.items():
        out.append({
            "name": name,
            "labelsTrue": t,
            "labelsPred": p,
            "mi": mutual_info_score(t, p),
            "nmi": {m: normalized_mutual_info_score(t, p, average_method=m) for m in METHODS},
            "ami": {m: adjusted_mutual_info_score(t, p, average_method=m) for m in METHODS},
        })
    # PML's AccuracyCalculator NMI / AMI: k-means of the embeddings into as many
    # clusters as there are labels, scored against the labels. Well-separated
    # blobs (any k-means finds the same partition) with some labels flipped,
    # so the scores are below 1 and depend only on that partition.
    centers = rng.normal(0, 10, size=(4, 3))
    blob = np.repeat(np.arange(4), [20, 15, 10, 5])
    emb = (centers[blob] + rng.normal(0, 0.3, size=(len(blob), 3))).astype(np.float32)
    labels = blob.copy()
    flip = rng.choice(len(blob), 6, replace=False)
    labels[flip] = (labels[flip] + 1) % 4
    clusters = KMeans(n_clusters=4, n_init=10, random_state=0).fit_predict(emb)
    clustering = {
        "embeddings": emb.tolist(),
        "labels": labels.tolist(),
        "nmi": normalized_mutual_info_score(labels, clusters),
        "ami": adjusted_mutual_info_score(labels, clusters),
    }
    with open(OUT, "w") as f:
        json.dump({"source": f"scikit-learn {sklearn.__version__}, tools/reference/sklearn_mutual_info_reference.py", "cases": out,
                   "clustering": clustering}, f)
        f.write("\n")
    print(f"wrote {OUT}: {len(out)} cases")


if __name__ == "__main__":
    main()
