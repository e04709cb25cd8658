#!/usr/bin/env python3
"""Reference outputs of the Python library (tensorflow_similarity 0.18) for the
index-side packages: matchers, classification metrics, retrieval metrics and
the memory evaluator. Writes one JSON fixture per package under
packages/<name>/test/fixtures/python-reference.json; the packages' tests
compare against them.

Setup (once):
  python3.11 -m venv /tmp/pyref
  /tmp/pyref/bin/pip install --no-deps tensorflow-cpu==2.21.0
  /tmp/pyref/bin/pip install <tensorflow-cpu's dependencies> tqdm tabulate
      (from the local index: --index-url file:///opt/pypi/simple
       --extra-index-url file:///opt/pypi-more/simple)
  git clone https://github.com/tensorflow/similarity /tmp/tfsim-py
  (a directory of stubs for tensorflow_datasets and distinctipy, which the
  library imports but these modules never use, goes on PYTHONPATH too)

Run from the repository root:
  PYTHONPATH=/tmp/tfsim-py:/tmp/pyshim /tmp/pyref/bin/python tools/reference/tfsim_reference.py

Inputs are drawn from seeded generators, so a re-run writes the same files.
Non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN".
"""
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tensorflow_similarity.classification_metrics import (  # noqa: E402
    BinaryAccuracy,
    F1Score,
    FalsePositiveRate,
    NegativePredictiveValue,
    Precision,
    Recall,
    make_classification_metric,
)
from tensorflow_similarity.evaluators import MemoryEvaluator  # noqa: E402
from tensorflow_similarity.matchers import MatchMajorityVote, MatchNearest  # noqa: E402
from tensorflow_similarity.retrieval_metrics import BNDCG, MapAtK, PrecisionAtK, RecallAtK  # noqa: E402
from tensorflow_similarity.retrieval_metrics.utils import compute_match_mask  # noqa: E402
from tensorflow_similarity.types import Lookup  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def enc(x):
    """JSON-safe: numpy to lists, non-finite floats to strings."""
    if isinstance(x, dict):
        return {str(k): enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return enc(x.tolist())
    if isinstance(x, (np.floating, float)):
        v = float(x)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if tf.is_tensor(x):
        return enc(x.numpy())
    return x


def write(package, payload):
    path = os.path.join(ROOT, "packages", package, "test", "fixtures", "python-reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(enc(payload), f, indent=1, sort_keys=False)
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


def f32(a):
    return np.asarray(a, dtype=np.float32)


# ---------------------------------------------------------------- matchers
def matcher_cases():
    rng = np.random.default_rng(7)
    cases = []
    for case_id in range(12):
        n = int(rng.integers(1, 40))
        k = int(rng.choice([1, 2, 3, 5, 6]))
        num_classes = int(rng.integers(2, 5))
        query_labels = rng.integers(0, num_classes, size=n)
        lookup_labels = rng.integers(0, num_classes, size=(n, k))
        # rounded distances so that ties between queries and thresholds happen
        dist = np.sort(np.round(rng.uniform(0, 1, size=(n, k)), 2), axis=1).astype(np.float32)
        if case_id % 4 == 3:
            dist = rng.uniform(0, 2, size=(n, k)).astype(np.float32)
            dist = np.sort(dist, axis=1)
        t = int(rng.integers(1, 8))
        thresholds = np.round(rng.uniform(0, 1.2, size=t), 2).astype(np.float32)
        if case_id % 3 == 0:
            thresholds = np.concatenate([thresholds, f32([math.inf]), dist.reshape(-1)[:3]])
        rng.shuffle(thresholds)
        out = {
            "query_labels": query_labels,
            "lookup_labels": lookup_labels,
            "lookup_distances": dist,
            "thresholds": thresholds,
        }
        for key, cls in (("nearest", MatchNearest), ("majority_vote", MatchMajorityVote)):
            m = cls()
            m.compile(distance_thresholds=tf.constant(thresholds))
            d_labels, d_dist = m.derive_match(tf.constant(lookup_labels), tf.constant(dist))
            m.compute_count(tf.constant(query_labels), tf.constant(lookup_labels), tf.constant(dist))
            out[key] = {
                "derived_labels": np.reshape(d_labels.numpy(), (-1,)),
                "derived_distances": np.reshape(d_dist.numpy(), (-1,)),
                "sorted_thresholds": m.distance_thresholds,
                "tp": m.tp,
                "fp": m.fp,
                "tn": m.tn,
                "fn": m.fn,
                "count": m.count,
            }
        cases.append(out)
    return cases


# ---------------------------------------------------- classification metrics
def classification_cases():
    rng = np.random.default_rng(11)
    classes = {
        "f1": F1Score,
        "precision": Precision,
        "recall": Recall,
        "binary_accuracy": BinaryAccuracy,
        "fpr": FalsePositiveRate,
        "npv": NegativePredictiveValue,
    }
    cases = []
    for case_id in range(16):
        t = int(rng.integers(1, 9))
        count = int(rng.integers(1, 60))
        # counts that add up to count at each threshold, with zeros on purpose
        tp = rng.integers(0, count + 1, size=t)
        fp = np.array([rng.integers(0, count - a + 1) for a in tp])
        tn = np.array([rng.integers(0, count - a - b + 1) for a, b in zip(tp, fp)])
        fn = count - tp - fp - tn
        if case_id % 4 == 0:
            tp[0] = 0
            fp[0] = 0
        if case_id % 5 == 1:
            fn[:] = 0
            tn[:] = 0
        counts = {"tp": f32(tp), "fp": f32(fp), "tn": f32(tn), "fn": f32(fn), "count": count}
        out = dict(counts)
        for key, cls in classes.items():
            m = cls()
            out[key] = m.compute(
                tp=tf.constant(counts["tp"]),
                fp=tf.constant(counts["fp"]),
                tn=tf.constant(counts["tn"]),
                fn=tf.constant(counts["fn"]),
                count=count,
            )
        cases.append(out)
    names = {}
    for alias in [
        "recall",
        "precision",
        "f1",
        "f1score",
        "f1_score",
        "binary_accuracy",
        "npv",
        "negative_predicitve_value",
        "fpr",
        "false_positive_rate",
        "F1",
    ]:
        m = make_classification_metric(alias)
        names[alias] = m.get_config()
    return {"cases": cases, "names": names}


# -------------------------------------------------------- retrieval metrics
def retrieval_cases():
    rng = np.random.default_rng(23)
    cases = []
    for case_id in range(14):
        n = int(rng.integers(2, 40))
        k_max = int(rng.integers(3, 9))
        num_classes = int(rng.integers(2, 5))
        query_labels = rng.integers(0, num_classes, size=n)
        lookup_labels = rng.integers(0, num_classes, size=(n, k_max))
        # make some rows match a lot
        for i in range(n):
            if rng.uniform() < 0.4:
                lookup_labels[i, : int(rng.integers(1, k_max))] = query_labels[i]
        dist = np.sort(np.round(rng.uniform(0, 1, size=(n, k_max)), 2), axis=1).astype(np.float32)
        match_mask = compute_match_mask(tf.constant(query_labels), tf.constant(lookup_labels))
        r = {int(c): int(rng.integers(1, k_max + 3)) for c in range(num_classes)}
        if case_id % 5 == 2:
            # a class absent from r gets R = 0
            r.pop(int(query_labels[0]))
        metrics = []
        for k in sorted({1, 2, int(rng.integers(1, k_max + 1)), k_max}):
            for average in ("micro", "macro"):
                for drop in (False, True):
                    if drop and k >= k_max:
                        continue
                    metrics.append(("recall_at_k", {"k": k, "average": average, "drop_closest_lookup": drop}))
                    metrics.append(("precision_at_k", {"k": k, "average": average, "drop_closest_lookup": drop}))
                    metrics.append(
                        ("precision_at_k", {"k": k, "average": average, "drop_closest_lookup": drop, "r": r})
                    )
                    metrics.append(
                        (
                            "precision_at_k",
                            {"k": k, "average": average, "drop_closest_lookup": drop, "r": r, "clip_at_r": True},
                        )
                    )
                    for thr in (math.inf, 0.3, 0.55):
                        metrics.append(
                            (
                                "bndcg",
                                {"k": k, "average": average, "drop_closest_lookup": drop, "distance_threshold": thr},
                            )
                        )
                    if average == "micro":
                        metrics.append(("map_at_k", {"k": k, "drop_closest_lookup": drop, "r": r}))
                        metrics.append(("map_at_k", {"k": k, "drop_closest_lookup": drop, "r": r, "clip_at_r": True}))
                        metrics.append(("map_at_k", {"k": k, "drop_closest_lookup": drop}))
        results = []
        ctor = {"recall_at_k": RecallAtK, "precision_at_k": PrecisionAtK, "map_at_k": MapAtK, "bndcg": BNDCG}
        for kind, params in metrics:
            m = ctor[kind](**params)
            value = m.compute(
                query_labels=tf.constant(query_labels),
                lookup_labels=tf.constant(lookup_labels),
                lookup_distances=tf.constant(dist),
                match_mask=match_mask,
            )
            results.append({"metric": kind, "params": params, "name": m.name, "value": value})
        cases.append(
            {
                "query_labels": query_labels,
                "lookup_labels": lookup_labels,
                "lookup_distances": dist,
                "results": results,
            }
        )
    names = []
    for m in (
        RecallAtK(k=3),
        RecallAtK(k=3, distance_threshold=0.1),
        PrecisionAtK(k=4, distance_threshold=0.25),
        PrecisionAtK(k=4, r={1: 2}, clip_at_r=True),
        MapAtK(r={1: 4, 0: 4}),
        MapAtK(r={1: 4, 0: 4}, distance_threshold=0.1),
        MapAtK(r={1: 4}, clip_at_r=True, name="map@R"),
        BNDCG(k=2, distance_threshold=1e-05),
        BNDCG(k=2, distance_threshold=2.0),
    ):
        names.append({"name": m.name, "repr": repr(m), "config": m.get_config()})
    return {"cases": cases, "names": names}


# ---------------------------------------------------------------- evaluator
def make_lookups(rng, num_classes, per_class, k, match_rate, decimals):
    target_labels = []
    lookups = []
    for c in range(num_classes):
        for _ in range(per_class):
            target_labels.append(c)
            dists = np.sort(rng.uniform(0, 1, size=k)).astype(np.float32)
            if decimals is not None:
                dists = np.round(dists, decimals).astype(np.float32)
            row = []
            for j in range(k):
                if rng.uniform() < match_rate:
                    label = c
                else:
                    label = int(rng.integers(0, num_classes))
                row.append(Lookup(rank=j + 1, distance=float(dists[j]), label=label))
            lookups.append(row)
    return target_labels, lookups


def evaluator_cases():
    rng = np.random.default_rng(31)
    ev = MemoryEvaluator()
    metric_names = ["f1_score", "precision", "recall", "binary_accuracy", "fpr", "npv"]
    calibrations = []
    for case_id in range(10):
        num_classes = int(rng.integers(2, 6))
        per_class = int(rng.integers(3, 25))
        k = int(rng.choice([1, 3, 4]))
        decimals = [3, 2, None][case_id % 3]
        target_labels, lookups = make_lookups(rng, num_classes, per_class, k, float(rng.uniform(0.3, 0.9)), decimals)
        calib_name = metric_names[case_id % len(metric_names)]
        matcher = "match_nearest" if case_id % 2 == 0 else "match_majority_vote"
        targets = {"0.5": 0.5, "0.8": 0.8, "0.95": 0.95, "0.1": 0.1}
        extra = [make_classification_metric(m) for m in ("precision", "recall", "f1", "fpr")]
        res = ev.calibrate(
            target_labels=target_labels,
            lookups=lookups,
            thresholds_targets=dict(targets),
            calibration_metric=make_classification_metric(calib_name),
            matcher=matcher,
            extra_metrics=extra,
            verbose=0,
        )
        calibrations.append(
            {
                "target_labels": target_labels,
                "lookups": [[{"rank": l.rank, "distance": l.distance, "label": l.label} for l in row] for row in lookups],
                "calibration_metric": calib_name,
                "matcher": matcher,
                "extra_metrics": ["precision", "recall", "f1", "fpr"],
                "thresholds_targets": targets,
                "cutpoints": res.cutpoints,
                "thresholds": res.thresholds,
                "cutpoint_keys": {name: list(cp.keys()) for name, cp in res.cutpoints.items()},
                "threshold_keys": list(res.thresholds.keys()),
            }
        )

    # ragged lookups: short rows are padded (label 0x7FFFFFFF, distance inf)
    ragged_labels = [0, 1, 1, 2]
    ragged = [
        [Lookup(rank=1, distance=0.1, label=0), Lookup(rank=2, distance=0.2, label=0)],
        [Lookup(rank=1, distance=0.3, label=1)],
        [Lookup(rank=1, distance=0.05, label=2), Lookup(rank=2, distance=0.4, label=1)],
        [Lookup(rank=1, distance=0.25, label=2), Lookup(rank=2, distance=0.3, label=2)],
    ]
    ragged_res = ev.calibrate(
        target_labels=ragged_labels,
        lookups=ragged,
        thresholds_targets={"0.5": 0.5},
        calibration_metric=make_classification_metric("f1"),
        matcher="match_majority_vote",
        extra_metrics=[make_classification_metric("precision")],
        verbose=0,
    )
    ragged_case = {
        "target_labels": ragged_labels,
        "lookups": [[{"rank": l.rank, "distance": l.distance, "label": l.label} for l in row] for row in ragged],
        "calibration_metric": "f1",
        "matcher": "match_majority_vote",
        "extra_metrics": ["precision"],
        "thresholds_targets": {"0.5": 0.5},
        "cutpoints": ragged_res.cutpoints,
        "thresholds": ragged_res.thresholds,
    }

    # distance rounding: float32 arithmetic, round half to even
    rounding = []
    for decimals in (8, 4, 2, 1, 0):
        vals = np.concatenate(
            [
                rng.uniform(0, 2, size=40).astype(np.float32),
                f32([0.125, 0.375, 0.5, 1.5, 2.5, 0.05, 0.15, 0.25, 0.35, 1e-9, 0.0, 0.123456789, 0.99999999]),
            ]
        )
        lk = [[Lookup(rank=1, distance=float(v), label=0)] for v in vals]
        res = ev.calibrate(
            target_labels=[0] * len(lk),
            lookups=lk,
            thresholds_targets={},
            calibration_metric=make_classification_metric("f1"),
            matcher="match_nearest",
            distance_rounding=decimals,
            verbose=0,
        )
        rounding.append({"decimals": decimals, "input": f32(vals), "thresholds": res.thresholds["distance"]})

    retrievals = []
    for case_id in range(4):
        num_classes = int(rng.integers(2, 5))
        per_class = int(rng.integers(3, 10))
        target_labels, lookups = make_lookups(rng, num_classes, per_class, 6, 0.6, 2)
        r = {c: int(rng.integers(2, 8)) for c in range(num_classes)}
        specs = [
            ("recall_at_k", {"k": 1}),
            ("recall_at_k", {"k": 3, "average": "macro"}),
            ("precision_at_k", {"k": 5}),
            ("precision_at_k", {"k": 5, "r": r, "clip_at_r": True, "name": "r_precision"}),
            ("map_at_k", {"k": 5, "r": r}),
            ("map_at_k", {"k": 6, "r": r, "clip_at_r": True, "name": "map@R"}),
            ("bndcg", {"k": 4, "distance_threshold": 0.5}),
            ("bndcg", {"k": 4, "average": "macro", "drop_closest_lookup": True}),
        ]
        ctor = {"recall_at_k": RecallAtK, "precision_at_k": PrecisionAtK, "map_at_k": MapAtK, "bndcg": BNDCG}
        ms = [ctor[kind](**params) for kind, params in specs]
        res = ev.evaluate_retrieval(target_labels=target_labels, lookups=lookups, retrieval_metrics=ms)
        retrievals.append(
            {
                "target_labels": target_labels,
                "lookups": [[{"rank": l.rank, "distance": l.distance, "label": l.label} for l in row] for row in lookups],
                "metrics": [{"metric": kind, "params": params} for kind, params in specs],
                "results": res,
            }
        )

    classifications = []
    for case_id in range(4):
        n = int(rng.integers(5, 30))
        k = int(rng.choice([1, 3]))
        q = rng.integers(0, 3, size=n)
        ll = rng.integers(0, 3, size=(n, k))
        ld = np.sort(rng.uniform(0, 1, size=(n, k)), axis=1).astype(np.float32)
        thr = np.sort(rng.uniform(0, 1, size=6)).astype(np.float32)
        matcher = "match_nearest" if case_id % 2 == 0 else "match_majority_vote"
        ms = [make_classification_metric(m) for m in ("f1", "precision", "recall", "binary_accuracy", "fpr", "npv")]
        res = ev.evaluate_classification(
            query_labels=tf.constant(q),
            lookup_labels=tf.constant(ll),
            lookup_distances=tf.constant(ld),
            distance_thresholds=tf.constant(thr),
            metrics=ms,
            matcher=matcher,
            verbose=0,
        )
        classifications.append(
            {
                "query_labels": q,
                "lookup_labels": ll,
                "lookup_distances": ld,
                "distance_thresholds": thr,
                "matcher": matcher,
                "results": res,
            }
        )
    return {
        "calibrations": calibrations,
        "ragged": ragged_case,
        "rounding": rounding,
        "retrievals": retrievals,
        "classifications": classifications,
    }


def main():
    targets = sys.argv[1:] or ["matchers", "classification-metrics", "retrieval-metrics", "evaluators"]
    if "matchers" in targets:
        write("matchers", {"cases": matcher_cases()})
    if "classification-metrics" in targets:
        write("classification-metrics", classification_cases())
    if "retrieval-metrics" in targets:
        write("retrieval-metrics", retrieval_cases())
    if "evaluators" in targets:
        write("evaluators", evaluator_cases())


if __name__ == "__main__":
    main()
