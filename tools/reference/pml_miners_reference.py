#!/usr/bin/env python3
"""Reference outputs of pytorch-metric-learning's miners (BatchHardMiner,
MultiSimilarityMiner, TripletMarginMiner) for @tfsim/losses' miners.

Writes packages/losses/test/fixtures/pml-miners.json: the inputs and, per
scenario, the miner's options and its mined index tuples, sorted
(triplets as [a, p, n]; pair miners as positive [a, p] and negative [a, n]).

Setup: a venv with CPU torch, pytorch-metric-learning and scikit-learn from
the machine's package index (its pip config), e.g.
  python3 -m venv /tmp/pyref-python
  /tmp/pyref-python/bin/pip install "torch==2.13.0+cpu" pytorch-metric-learning scikit-learn
Run from the repository root:
  /tmp/pyref-python/bin/python tools/reference/pml_miners_reference.py

The inputs are seeded; the script refuses data where float32 rounding could
flip a comparison (a margin or epsilon test within 1e-4 of its threshold, or
a near tie among a row's candidates), so the mined sets are stable across
backends.
"""
import json
import os

import numpy as np
import torch
from pytorch_metric_learning import miners
from pytorch_metric_learning.distances import CosineSimilarity, LpDistance

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "packages", "losses", "test", "fixtures", "pml-miners.json")
GAP = 1e-4


def tuples(out):
    rows = [[int(v) for v in col] for col in out]
    if len(out) == 3:
        return {"triplets": sorted(map(list, zip(*rows)))}
    return {"positive": sorted(map(list, zip(rows[0], rows[1]))), "negative": sorted(map(list, zip(rows[2], rows[3])))}


def check_gaps(values, thresholds, what):
    gaps = np.abs(np.asarray(values)[:, None] - np.asarray(thresholds)[None, :])
    if gaps.size and gaps.min() < GAP:
        raise SystemExit(f"{what}: a value lies within {GAP} of a threshold; change the seed")


def main():
    rng = np.random.default_rng(28)
    n, dim = 12, 5
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 0, 2])
    emb = rng.normal(0, 1, size=(n, dim)).astype(np.float32)
    ref_labels = np.array([0, 1, 2, 3, 4, 0, 1, 2])
    ref = rng.normal(0, 1, size=(8, dim)).astype(np.float32)
    e, l = torch.tensor(emb), torch.tensor(labels)
    r, rl = torch.tensor(ref), torch.tensor(ref_labels)

    # Guards against unstable fixtures: no near ties between any two
    # distances of a row (argmin/argmax and sorts), and no margin near a test.
    for dist in (LpDistance(), CosineSimilarity()):
        for q, k in ((e, e), (e, r)):
            mat = dist(q, k).numpy().astype(np.float64)
            for row in mat:
                diffs = np.abs(row[:, None] - row[None, :])[np.triu_indices(len(row), 1)]
                if diffs.min() < GAP:
                    raise SystemExit("near tie in a row; change the seed")

    scenarios = []

    def add(name, miner, options, with_ref=False):
        out = miner(e, l, r, rl) if with_ref else miner(e, l)
        scenarios.append({"name": name, "miner": miner.__class__.__name__, "options": options, "withKeys": with_ref, **tuples(out)})

    add("batch hard, defaults", miners.BatchHardMiner(), {})
    add("batch hard, keys", miners.BatchHardMiner(), {}, with_ref=True)
    add("batch hard, cosine similarity", miners.BatchHardMiner(distance=CosineSimilarity()), {"distance": "inner_product"})
    add("batch hard, unnormalised l2", miners.BatchHardMiner(distance=LpDistance(normalize_embeddings=False)),
        {"normalizeEmbeddings": False})
    for eps in (0.1, 0.5):
        add(f"multi similarity, epsilon {eps}", miners.MultiSimilarityMiner(epsilon=eps), {"epsilon": eps})
    add("multi similarity, keys", miners.MultiSimilarityMiner(), {}, with_ref=True)
    add("multi similarity, l2", miners.MultiSimilarityMiner(epsilon=0.3, distance=LpDistance()),
        {"epsilon": 0.3, "distance": "euclidean"})
    for kind in ("all", "hard", "semihard", "easy"):
        add(f"triplet margin, {kind}", miners.TripletMarginMiner(margin=0.2, type_of_triplets=kind),
            {"margin": 0.2, "typeOfTriplets": kind})
    add("triplet margin, margin 0.5, keys", miners.TripletMarginMiner(margin=0.5), {"margin": 0.5}, with_ref=True)
    add("triplet margin, cosine similarity", miners.TripletMarginMiner(margin=0.1, distance=CosineSimilarity()),
        {"margin": 0.1, "distance": "inner_product"})

    # The comparisons the margin and epsilon miners make, kept away from their thresholds.
    for dist in (LpDistance(), CosineSimilarity()):
        for q, ql, k, kl in ((e, l, e, l), (e, l, r, rl)):
            mat = dist(q, k).numpy().astype(np.float64)
            off = ~np.eye(mat.shape[1], dtype=bool)[None, :, :].repeat(mat.shape[0], 0)
            ap = mat[:, :, None]
            an = mat[:, None, :]
            check_gaps((an - ap)[off], [0.0, 0.2, 0.5, -0.1, 0.1, -0.2, -0.5], "triplet margin")
            for eps in (0.1, 0.3, 0.5):
                check_gaps((ap - an)[off], [eps, -eps], "multi similarity epsilon")

    with open(OUT, "w") as f:
        json.dump({
            "source": "pytorch-metric-learning miners, tools/reference/pml_miners_reference.py",
            "labels": labels.tolist(),
            "embeddings": emb.tolist(),
            "keyLabels": ref_labels.tolist(),
            "keyEmbeddings": ref.tolist(),
            "scenarios": scenarios,
        }, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(scenarios)} scenarios")


if __name__ == "__main__":
    main()
