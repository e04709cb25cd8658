#!/usr/bin/env python3
"""Reference outputs of pytorch-metric-learning (2.x) for the losses
@tfsim/losses takes from it (SupConLoss, ContrastiveLoss, ProxyAnchorLoss) and
for ArcFaceLoss, on seeded random batches: the reduced loss, per-example values
where the library has them, and the gradient w.r.t. the embeddings (and the
class weights). Writes packages/losses/test/fixtures/pml-reference.json.

Mapping to @tfsim/losses: our 'euclidean' and 'inner_product' distances do not
normalise the embeddings, so they are LpDistance / DotProductSimilarity with
normalize_embeddings=False here; 'cosine' is CosineSimilarity (which
normalises, as our SupCon/ProxyAnchor/ArcFace do). ArcFace's margin is given in
degrees to pytorch-metric-learning (np.degrees of our radians), and its weight
matrix is our centres transposed.

Setup: torch and pytorch-metric-learning from the machine's package index into
the venv of tfsim_reference.py (see pml_reference.py). Run from the repository
root:
  /tmp/pyref/bin/python tools/reference/pml_losses_reference.py
"""
import json
import os

import numpy as np
import torch
from pytorch_metric_learning.distances import CosineSimilarity, DotProductSimilarity, LpDistance
from pytorch_metric_learning.losses import ArcFaceLoss, ContrastiveLoss, ProxyAnchorLoss, SupConLoss
from pytorch_metric_learning.reducers import DoNothingReducer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "packages", "losses", "test", "fixtures", "pml-reference.json")


def floats(t):
    return [float(v) for v in np.asarray(t.detach().numpy() if torch.is_tensor(t) else t, dtype=np.float32).reshape(-1)]


def batches():
    rng = np.random.default_rng(424242)
    out = [
        ("pairs-6", [0, 0, 1, 1, 2, 2], 4),
        ("singletons-7", [0, 0, 0, 1, 1, 2, 3], 5),
        ("one-class-5", [4, 4, 4, 4, 4], 3),
        ("random-12", [int(v) for v in rng.integers(0, 4, size=12)], 8),
    ]
    # Rows of norm about 0.9: not unit, so the normalisation inside matters.
    return [(name, labels, (rng.normal(size=(len(labels), d)) * 0.35).astype(np.float32)) for name, labels, d in out]


DISTANCES = {
    "cosine": lambda: CosineSimilarity(),
    "euclidean": lambda: LpDistance(normalize_embeddings=False),
    "inner_product": lambda: DotProductSimilarity(normalize_embeddings=False),
}


def run(make_loss, labels, emb, extra=None):
    x = torch.tensor(emb, requires_grad=True)
    y = torch.tensor(labels)
    loss = make_loss()
    if extra is not None:
        extra(loss)
    value = loss(x, y)
    value.backward()
    return loss, value, x.grad


def supcon_cases():
    out = []
    for name, labels, emb in batches():
        for distance, temperature in (("cosine", 0.1), ("cosine", 0.5), ("euclidean", 0.3)):
            _, value, grad = run(lambda: SupConLoss(temperature=temperature, distance=DISTANCES[distance]()), labels, emb)
            per = SupConLoss(temperature=temperature, distance=DISTANCES[distance](), reducer=DoNothingReducer())(
                torch.tensor(emb), torch.tensor(labels))
            losses = per["loss"]["losses"]
            per_example = floats(losses) if torch.is_tensor(losses) and losses.dim() == 1 else [0.0] * len(labels)
            out.append({"loss": "SupConLoss", "config": {"distance": distance, "temperature": temperature},
                        "batch": name, "labels": labels, "embeddings": [floats(r) for r in emb],
                        "perExample": per_example, "mean": float(value.detach()), "gradient": floats(grad)})
    return out


def contrastive_cases():
    out = []
    for name, labels, emb in batches():
        for distance, pos, neg in (("euclidean", 0.0, 1.0), ("euclidean", 0.2, 0.8), ("inner_product", 0.1, -0.05)):
            # pytorch-metric-learning writes similarity margins the other way round: pos_margin is the
            # similarity positives must exceed, neg_margin the one negatives must stay below.
            _, value, grad = run(lambda: ContrastiveLoss(pos_margin=pos, neg_margin=neg, distance=DISTANCES[distance]()),
                                 labels, emb)
            out.append({"loss": "ContrastiveLoss",
                        "config": {"distance": distance, "positiveMargin": pos, "negativeMargin": neg},
                        "batch": name, "labels": labels, "embeddings": [floats(r) for r in emb],
                        "mean": float(value.detach()), "gradient": floats(grad)})
    return out


def class_weight_cases():
    out = []
    rng = np.random.default_rng(99)
    for name, labels, emb in batches():
        num_classes = max(labels) + 2  # one class without examples in the batch
        weights = rng.normal(size=(num_classes, emb.shape[1])).astype(np.float32)
        for margin, alpha in ((0.1, 32.0), (0.2, 16.0)):
            def set_proxies(loss):
                loss.proxies.data = torch.tensor(weights)
            loss, value, grad = run(lambda: ProxyAnchorLoss(num_classes, emb.shape[1], margin=margin, alpha=alpha),
                                    labels, emb, set_proxies)
            out.append({"loss": "ProxyAnchorLoss",
                        "config": {"numClasses": num_classes, "embeddingSize": emb.shape[1], "margin": margin, "alpha": alpha},
                        "batch": name, "labels": labels, "embeddings": [floats(r) for r in emb],
                        "weights": [floats(r) for r in weights], "mean": float(value.detach()), "gradient": floats(grad),
                        "weightsGradient": floats(loss.proxies.grad)})
        for margin, scale in ((0.5, 64.0), (0.3, 30.0)):
            def set_w(loss):
                loss.W.data = torch.tensor(weights.T.copy())
            loss, value, grad = run(lambda: ArcFaceLoss(num_classes, emb.shape[1], margin=float(np.degrees(margin)), scale=scale),
                                    labels, emb, set_w)
            per = ArcFaceLoss(num_classes, emb.shape[1], margin=float(np.degrees(margin)), scale=scale,
                              reducer=DoNothingReducer())
            per.W.data = torch.tensor(weights.T.copy())
            per_example = per(torch.tensor(emb), torch.tensor(labels))["loss"]["losses"]
            out.append({"loss": "ArcFaceLoss",
                        "config": {"numClasses": num_classes, "embeddingSize": emb.shape[1], "margin": margin, "scale": scale},
                        "batch": name, "labels": labels, "embeddings": [floats(r) for r in emb],
                        "weights": [floats(r) for r in weights], "perExample": floats(per_example),
                        "mean": float(value.detach()), "gradient": floats(grad), "weightsGradient": floats(loss.W.grad.T)})
    return out


def main():
    torch.manual_seed(0)
    payload = {"source": "pytorch-metric-learning (tools/reference/pml_losses_reference.py)",
               "cases": supcon_cases() + contrastive_cases() + class_weight_cases()}
    with open(OUT, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(payload['cases'])} cases")


if __name__ == "__main__":
    main()
