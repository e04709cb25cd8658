"""Training throughput of the benchmark CNN (or, with --model dense, the
dense model) on CPU torch with
pytorch-metric-learning's MultiSimilarityLoss (alpha 2, beta 40, base 0.5:
the defaults of tensorflow_similarity) and its MultiSimilarityMiner
(epsilon 0.1). Prints one JSON line: samplesPerSec, stepMs, loss, version.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from pytorch_metric_learning import __version__ as pml_version
from pytorch_metric_learning import losses, miners


class Net(torch.nn.Module):
    def __init__(self, side, kind="cnn"):
        super().__init__()
        if kind == "dense":
            self.features = torch.nn.Sequential(
                torch.nn.Flatten(),
                torch.nn.Linear(side * side, 256),
                torch.nn.ReLU(),
                torch.nn.Linear(256, 128),
                torch.nn.ReLU(),
            )
            self.embed = torch.nn.Linear(128, 64)
            return
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
        )
        flat = 64 * (((side - 2) // 2 - 2) // 2) ** 2
        self.embed = torch.nn.Linear(flat, 64)

    def forward(self, x):
        return torch.nn.functional.normalize(self.embed(self.features(x)), dim=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--side", type=int, default=28)
    p.add_argument("--model", choices=["cnn", "dense"], default="cnn")
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    batches = [torch.from_numpy(rng.standard_normal((a.batch, 1, a.side, a.side), dtype=np.float32)) for _ in range(4)]
    labels = torch.arange(a.batch) // 4
    model = Net(a.side, a.model)
    loss_fn = losses.MultiSimilarityLoss(alpha=2.0, beta=40.0, base=0.5)
    miner = miners.MultiSimilarityMiner(epsilon=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(x):
        optimizer.zero_grad()
        emb = model(x)
        loss = loss_fn(emb, labels, miner(emb, labels))
        loss.backward()
        optimizer.step()
        return loss.item()

    loss = 0.0
    for i in range(a.warmup):
        loss = step(batches[i % 4])
    t0 = time.perf_counter()
    for i in range(a.steps):
        loss = step(batches[i % 4])
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "peer": "pytorch-metric-learning",
                "available": True,
                "version": f"torch {torch.__version__}, pytorch-metric-learning {pml_version}",
                "batch": a.batch,
                "steps": a.steps,
                "stepMs": seconds * 1000 / a.steps,
                "samplesPerSec": a.steps * a.batch / seconds,
                "loss": loss,
            }
        )
    )


if __name__ == "__main__":
    main()
