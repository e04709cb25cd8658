#!/usr/bin/env python3
"""Reference values of pytorch-metric-learning's AccuracyCalculator for the
metrics @tfsim/retrieval-metrics adds to the Python library's: R-precision,
MAP@R, mean reciprocal rank and precision@1, micro (per query) and macro
(avg_of_avgs), for a query set apart from the reference set and for queries
that are themselves in the reference set.

Writes packages/retrieval-metrics/test/fixtures/pml-reference.json: the
inputs, every query's neighbour labels (all reference items, nearest first;
including the query itself in the same-source case), the class counts, and
AccuracyCalculator's outputs.

Setup: torch and pytorch-metric-learning from the machine's package index,
into the same venv as tfsim_reference.py:
  /tmp/pyref/bin/pip install --index-url file:///opt/pypi/simple \
      --extra-index-url file:///opt/pypi-more/simple torch pytorch-metric-learning
Run from the repository root:
  /tmp/pyref/bin/python tools/reference/pml_reference.py
"""
import json
import os

import numpy as np
import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import CustomKNN

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "packages", "retrieval-metrics", "test", "fixtures", "pml-reference.json")
METRICS = ("precision_at_1", "r_precision", "mean_average_precision_at_r", "mean_reciprocal_rank")


def neighbours(query, reference):
    """Indices of every reference item, nearest first (exact L2, no ties in this data)."""
    d = torch.cdist(torch.tensor(query, dtype=torch.float64), torch.tensor(reference, dtype=torch.float64))
    return torch.argsort(d, dim=1, stable=True).numpy()


def main():
    rng = np.random.default_rng(2024)
    dim = 6
    # uneven class sizes; class 6 has a single reference example (a lone query
    # when queries are the references), class 7 appears only among queries
    sizes = [40, 25, 18, 12, 9, 5, 1]
    centers = rng.normal(0, 1.0, size=(8, dim))
    ref_labels = np.concatenate([np.full(n, c) for c, n in enumerate(sizes)])
    reference = centers[ref_labels] + rng.normal(0, 0.9, size=(len(ref_labels), dim))
    query_labels = rng.choice(np.arange(8), size=60, p=[0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1])
    query = centers[query_labels] + rng.normal(0, 0.9, size=(len(query_labels), dim))
    reference = reference.astype(np.float32)
    query = query.astype(np.float32)

    knn = CustomKNN(LpDistance(normalize_embeddings=False))
    scenarios = {}
    for avg in (False, True):
        calc = AccuracyCalculator(include=METRICS, avg_of_avgs=avg, k=None, knn_func=knn, device=torch.device("cpu"))
        separate = calc.get_accuracy(query, query_labels, reference, ref_labels, ref_includes_query=False)
        same = calc.get_accuracy(reference, ref_labels)
        key = "macro" if avg else "micro"
        scenarios.setdefault("separate", {})[key] = separate
        scenarios.setdefault("same_source", {})[key] = same

    # the neighbour lists PML's knn produced, checked against ours
    q_t = torch.tensor(query)
    r_t = torch.tensor(reference)
    _, idx_sep = knn(q_t, len(reference), r_t, False)
    _, idx_same = knn(r_t, len(reference) - 1, r_t, True)
    nn_sep = neighbours(query, reference)
    nn_same = neighbours(reference, reference)
    assert (idx_sep.numpy() == nn_sep).all(), "separate: neighbour order differs from PML's"
    assert (nn_same[:, 0] == np.arange(len(reference))).all(), "same source: a query is not its own nearest"
    assert (idx_same.numpy() == nn_same[:, 1:]).all(), "same source: neighbour order differs from PML's"

    counts = {int(c): int(n) for c, n in zip(*np.unique(ref_labels, return_counts=True))}
    fixture = {
        "class_counts": counts,
        "separate": {
            "query_labels": query_labels.tolist(),
            "neighbour_labels": ref_labels[nn_sep].tolist(),
            "pml": scenarios["separate"],
        },
        "same_source": {
            "query_labels": ref_labels.tolist(),
            "neighbour_labels": ref_labels[nn_same].tolist(),
            "pml": scenarios["same_source"],
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT))
    print(json.dumps(scenarios, indent=1))


if __name__ == "__main__":
    main()
