#!/usr/bin/env python3
"""Reference outputs of the Python library (tensorflow_similarity 0.18) for
@tfsim/losses: every loss it has, on seeded random batches (several sizes,
a class with a single example, a batch of a single class), with per-example
values, the reduced loss and its gradient with respect to the embeddings.
Writes packages/losses/test/fixtures/python-reference.json; the package's
tests compare against it to 1e-5.

Setup (once): see tools/reference/tfsim_reference.py (a Python 3.11 venv with
tensorflow-cpu 2.21.0 from the local index, and a checkout of
github:tensorflow/similarity on PYTHONPATH with stubs for
tensorflow_datasets and distinctipy). Under Keras 3 the loss classes need
reduction='sum_over_batch_size' (the mean) or 'none'.

Run from the repository root:
  PYTHONPATH=/tmp/tfsim-py:/tmp/pyshim /tmp/pyref/bin/python tools/reference/losses_reference.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tensorflow_similarity import losses  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "packages", "losses", "test", "fixtures", "python-reference.json")
MEAN = "sum_over_batch_size"


def floats(a):
    """float32 values as JSON numbers (exact: a float32 is a double)."""
    return [float(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def normalized(rng, n, d):
    x = rng.normal(size=(n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def batches():
    """Labelled batches: (name, labels, embeddings). Embeddings are unit rows."""
    rng = np.random.default_rng(20240611)
    out = [
        ("pairs-6", [0, 0, 1, 1, 2, 2], normalized(rng, 6, 4)),
        ("singletons-7", [0, 0, 0, 1, 1, 2, 3], normalized(rng, 7, 5)),
        ("one-class-5", [4, 4, 4, 4, 4], normalized(rng, 5, 3)),
        ("random-12", list(rng.integers(0, 4, size=12)), normalized(rng, 12, 8)),
    ]
    return [(name, [int(v) for v in labels], emb) for name, labels, emb in out]


# (loss class name, config for Python, config for TypeScript)
METRIC_CASES = [
    ("TripletLoss", {}, {}),
    ("TripletLoss", dict(margin=1.0, positive_mining_strategy="easy", negative_mining_strategy="hard"),
     dict(margin=1.0, positiveMiningStrategy="easy", negativeMiningStrategy="hard")),
    ("TripletLoss", dict(margin=0.5, negative_mining_strategy="easy"), dict(margin=0.5, negativeMiningStrategy="easy")),
    ("TripletLoss", dict(distance="euclidean", positive_mining_strategy="easy"),
     dict(distance="euclidean", positiveMiningStrategy="easy")),
    ("TripletLoss", dict(distance="sql2", margin=0.2), dict(distance="sql2", margin=0.2)),
    ("TripletLoss", dict(distance="manhattan", negative_mining_strategy="hard"),
     dict(distance="manhattan", negativeMiningStrategy="hard")),
    ("PNLoss", {}, {}),
    ("PNLoss", dict(margin=1.0, positive_mining_strategy="easy", negative_mining_strategy="hard"),
     dict(margin=1.0, positiveMiningStrategy="easy", negativeMiningStrategy="hard")),
    ("PNLoss", dict(distance="euclidean", negative_mining_strategy="easy"),
     dict(distance="euclidean", negativeMiningStrategy="easy")),
    ("MultiSimilarityLoss", {}, {}),
    ("MultiSimilarityLoss", dict(distance="euclidean", alpha=1.5, beta=20.0, epsilon=0.2, lmda=0.4, center=0.8),
     dict(distance="euclidean", alpha=1.5, beta=20.0, epsilon=0.2, lmda=0.4, center=0.8)),
    ("CircleLoss", {}, {}),
    ("CircleLoss", dict(gamma=32.0, margin=0.25), dict(gamma=32.0, margin=0.25)),
    ("SoftNearestNeighborLoss", {}, {}),
    ("SoftNearestNeighborLoss", dict(distance="cosine", temperature=0.5), dict(distance="cosine", temperature=0.5)),
    ("LiftedStructLoss", {}, {}),
    ("LiftedStructLoss", dict(positive_mining_strategy="easy", margin=0.5),
     dict(positiveMiningStrategy="easy", margin=0.5)),
]


def metric_case(cls_name, py_config, ts_config, batch, compact=False):
    """compact: the Python tests' one-hot batches, which the tests rebuild from
    the labels; their gradients are left out (ties everywhere: TensorFlow
    splits a max's gradient among tied entries, TensorFlow.js does not)."""
    name, labels, emb = batch
    cls = getattr(losses, cls_name)
    y = tf.constant(labels, dtype=tf.int32)
    x = tf.constant(emb)
    per_example = cls(reduction="none", **py_config)(y, x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        mean = cls(reduction=MEAN, **py_config)(y, x)
    grad = tape.gradient(mean, x)
    case = {
        "loss": cls_name,
        "config": ts_config,
        "batch": name,
        "labels": labels,
        "perExample": floats(per_example),
        "mean": float(mean.numpy()),
    }
    if not compact:
        case["embeddings"] = [floats(r) for r in emb]
        case["gradient"] = floats(grad)
    return case


def design_batches(classes):
    """The Python tests' perfect and bad batches (`classes` classes, two examples each)."""
    y = np.arange(classes)
    perfect = (np.concatenate([y, y]), np.eye(classes, dtype=np.float32)[np.concatenate([y, y])])
    bad = (np.concatenate([y, y]), np.eye(classes, dtype=np.float32)[np.concatenate([y, y[::-1]])])
    return perfect, bad


def design_cases():
    """The Python tests' mining and semi-hard examples (DESIGN.md section 4), exact."""
    mining = ([0, 0, 0, 1, 1, 1], np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [1, 0]], dtype=np.float32))
    semi = ([0, 0, 1, 1], np.array([[1.0, 0.0], [0.5, 0.8660254], [0.0, 1.0], [0.01010049, 0.999949]], dtype=np.float32))
    out = []
    for cls_name in ("TripletLoss", "PNLoss"):
        for pos, neg, (labels, emb), tag in (("easy", "easy", mining, "mining"), ("hard", "hard", mining, "mining"),
                                             ("easy", "semi-hard", semi, "semi-hard")):
            py = dict(margin=1.0, positive_mining_strategy=pos, negative_mining_strategy=neg)
            ts = dict(margin=1.0, positiveMiningStrategy=pos, negativeMiningStrategy=neg)
            case = metric_case(cls_name, py, ts, (tag, labels, emb))
            out.append(case)
    return out


def xbm_cases():
    rng = np.random.default_rng(7)
    steps = [
        ([1, 1, 2, 2, 3, 3], normalized(rng, 6, 6)),
        ([4, 4, 5, 5, 6, 6], normalized(rng, 6, 6)),
        ([1, 4, 1, 4, 7, 7], normalized(rng, 6, 6)),
    ]
    out = []
    for inner_name, py_config, ts_config, memory_size, warmup in [
        ("TripletLoss", dict(margin=0.5), dict(margin=0.5), 12, 0),
        ("MultiSimilarityLoss", {}, {}, 10, 1),
        ("CircleLoss", {}, {}, 8, 0),
    ]:
        inner = getattr(losses, inner_name)(reduction=MEAN, **py_config)
        xbm = losses.XBM(inner, memory_size=memory_size, warmup_steps=warmup, reduction=MEAN)
        values = []
        grads = []
        for labels, emb in steps:
            x = tf.constant(emb)
            with tf.GradientTape() as tape:
                tape.watch(x)
                v = xbm(tf.constant(labels, dtype=tf.int32), x)
            grads.append(floats(tape.gradient(v, x)))
            values.append(float(v.numpy()))
        out.append({
            "loss": inner_name,
            "config": ts_config,
            "memorySize": memory_size,
            "warmupSteps": warmup,
            "steps": [{"labels": l, "embeddings": [floats(r) for r in e]} for l, e in steps],
            "values": values,
            "gradients": grads,
        })
    return out


def two_input_case(make, x, y, names):
    """A loss of two inputs, `make(reduction)(x, y)`: the inputs, per-example values, the mean and its
    gradients w.r.t. both inputs, under `names` (the fixture's keys for x, y, and their gradients)."""
    a, b = tf.constant(x), tf.constant(y)
    per = make("none")(a, b)
    with tf.GradientTape() as tape:
        tape.watch(a)
        tape.watch(b)
        mean = make(MEAN)(a, b)
    ga, gb = tape.gradient(mean, [a, b])
    x_name, y_name, gx_name, gy_name = names
    return {
        x_name: [floats(r) for r in x],
        y_name: [floats(r) for r in y],
        "perExample": floats(per),
        "mean": float(mean.numpy()),
        gx_name: floats(ga),
        gy_name: floats(gb),
    }


def multineg_cases():
    rng = np.random.default_rng(11)
    out = []
    for nq, nk, scale in [(5, 5, 20.0), (4, 6, 20.0), (6, 6, 5.0)]:
        q = normalized(rng, nq, 4)
        k = normalized(rng, nk, 4)
        make = lambda reduction: losses.MultiNegativesRankLoss(scale=scale, reduction=reduction)  # noqa: E731
        names = ("queries", "keys", "gradientQueries", "gradientKeys")
        out.append({"config": {"scale": scale}, **two_input_case(make, q, k, names)})
    return out


SELF_SUPERVISED = [
    ("SimCLRLoss", {}, {}),
    ("SimCLRLoss", dict(temperature=0.5), dict(temperature=0.5)),
    ("SimSiamLoss", {}, {}),
    ("SimSiamLoss", dict(projection_type="cosine_distance", margin=0.01),
     dict(projectionType="cosine_distance", margin=0.01)),
    ("SimSiamLoss", dict(projection_type="angular_distance"), dict(projectionType="angular_distance")),
    ("Barlow", {}, {}),
    ("Barlow", dict(lambda_=0.02, margin=0.0), dict(**{"lambda": 0.02, "margin": 0.0})),
    ("VicReg", {}, {}),
    ("VicReg", dict(std_const=1e-3, lambda_=10, mu=5, nu=2), dict(**{"stdConst": 1e-3, "lambda": 10, "mu": 5, "nu": 2})),
]


def self_supervised_cases():
    rng = np.random.default_rng(3)
    views = [(rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(n, d)).astype(np.float32))
             for n, d in [(6, 8), (9, 4), (4, 4)]]
    out = []
    for cls_name, py_config, ts_config in SELF_SUPERVISED:
        cls = getattr(losses, cls_name)
        for za, zb in views:
            make = lambda reduction: cls(reduction=reduction, **py_config)  # noqa: E731
            names = ("za", "zb", "gradientA", "gradientB")
            out.append({"loss": cls_name, "config": ts_config, **two_input_case(make, za, zb, names)})
    return out


def main():
    metric = [metric_case(c, p, t, b) for c, p, t in METRIC_CASES for b in batches()]
    for classes in (4, 32):
        perfect, bad = design_batches(classes)
        for cls_name, py_config, ts_config in [METRIC_CASES[i] for i in (0, 6, 9, 11, 13, 15)]:
            for tag, (labels, emb) in ((f"perfect-{2 * classes}", perfect), (f"bad-{2 * classes}", bad)):
                metric.append(metric_case(cls_name, py_config, ts_config, (tag, [int(v) for v in labels], emb), True))
    payload = {
        "source": "tensorflow_similarity 0.18 (tools/reference/losses_reference.py)",
        "metric": metric,
        "design": design_cases(),
        "xbm": xbm_cases(),
        "multiNegativesRank": multineg_cases(),
        "selfSupervised": self_supervised_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(metric)} metric, {len(payload['xbm'])} xbm, "
          f"{len(payload['multiNegativesRank'])} multineg, {len(payload['selfSupervised'])} self-supervised cases")


if __name__ == "__main__":
    main()
