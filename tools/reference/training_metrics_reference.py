"""Python oracle for the training metrics.

Writes packages/training-metrics/test/fixtures/python-metrics.json: for seeded random batches (labels
and embeddings) and several distances, the value tensorflow_similarity 0.18's
training metrics report after one update_state (its result()), for every
shortcut constructor and for each mining strategy.

    PYTHONPATH=/tmp/tfsim-py /tmp/pyref/bin/python tools/reference/training_metrics_reference.py

(TensorFlow 2.21 / Keras 3 in /tmp/pyref; see tools/reference/README.md for
how that venv is set up. tensorflow_datasets and distinctipy are imported by
the library but unused here; stub them if they are not installed.)
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tensorflow_similarity.training_metrics as tm  # noqa: E402

SHORTCUTS = ["avg_pos", "avg_neg", "min_pos", "min_neg", "max_pos", "max_neg", "sum_pos", "sum_neg", "dist_gap"]
DISTANCES = ["cosine", "euclidean", "squared_euclidean", "manhattan"]


def batch(seed, rows, dim, classes):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, rows).astype("int32")
    embeddings = rng.normal(size=(rows, dim)).astype("float32")
    return labels, embeddings


def value(metric, labels, embeddings):
    metric.update_state(tf.constant(labels), tf.constant(embeddings), None)
    return float(metric.result())


cases = []
for seed, rows, dim, classes in [(1, 8, 4, 3), (2, 12, 6, 4), (3, 6, 3, 2), (4, 10, 5, 5)]:
    labels, embeddings = batch(seed, rows, dim, classes)
    expected = {}
    for distance in DISTANCES:
        for name in SHORTCUTS:
            metric = getattr(tm, name)(distance)
            expected[f"{name}:{distance}"] = {"name": metric.name, "value": value(metric, labels, embeddings)}
        for anchor, strategies in [("positive", ["hard", "semi-hard", "easy"]), ("negative", ["hard", "easy"])]:
            for strategy in strategies:
                for aggregate in ["mean", "max", "min", "sum"]:
                    kwargs = {"positive_mining_strategy": strategy} if anchor == "positive" else {"negative_mining_strategy": strategy}
                    metric = tm.DistanceMetric(distance, aggregate=aggregate, anchor=anchor, **kwargs)
                    expected[f"DistanceMetric:{distance}:{aggregate}:{anchor}:{strategy}"] = {
                        "name": metric.name,
                        "value": value(metric, labels, embeddings),
                    }
    cases.append({
        "seed": seed,
        "labels": labels.tolist(),
        "embeddings": [float(v) for v in embeddings.reshape(-1)],
        "rows": rows,
        "dim": dim,
        "expected": expected,
    })

out = {
    "_about": "tensorflow_similarity 0.18 training metrics, result() after one update_state; written by tools/reference_metrics.py",
    "tensorflow": tf.__version__,
    "cases": cases,
}
target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packages", "training-metrics", "test", "fixtures", "python-metrics.json")
with open(target, "w") as f:
    json.dump(out, f)
print(len(cases), "cases,", sum(len(c["expected"]) for c in cases), "values")
