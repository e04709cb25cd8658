"""Training throughput of the benchmark CNN (or, with --model dense, the
dense model) on CPU torch with
pytorch-metric-learning's MultiSimilarityLoss (alpha 2, beta 40, base 0.5:
the defaults of tensorflow_similarity) and its MultiSimilarityMiner
(epsilon 0.1). Prints one JSON line: samplesPerSec, stepMs, loss, version.
"""
import os

import torch
from pytorch_metric_learning import __version__ as pml_version
from pytorch_metric_learning import losses, miners

from train_peer import parse_args, random_batches, time_steps


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
    a = parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(7)
    batches = [torch.from_numpy(b) for b in random_batches(a, (a.batch, 1, a.side, a.side))]
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

    time_steps(a, step, batches, "pytorch-metric-learning", f"torch {torch.__version__}, pytorch-metric-learning {pml_version}")

if __name__ == "__main__":
    main()
