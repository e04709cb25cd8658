"""What the training-throughput peers (train_tf.py, train_torch.py) share:
their arguments, their seeded batches, and timing a training step into the
one JSON line tools/bench/train.ts reads.
"""
import argparse
import json
import time

import numpy as np


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--side", type=int, default=28)
    p.add_argument("--model", choices=["cnn", "dense"], default="cnn")
    return p.parse_args()


def random_batches(a, shape):
    """Four seeded batches of standard normal images of `shape` (the steps cycle through them)."""
    rng = np.random.default_rng(7)
    return [rng.standard_normal(shape, dtype=np.float32) for _ in range(4)]


def time_steps(a, step, batches, peer, version):
    """Runs `a.warmup` untimed then `a.steps` timed steps (step(batch) returns the loss) and prints the result line."""
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
                "peer": peer,
                "available": True,
                "version": version,
                "batch": a.batch,
                "steps": a.steps,
                "stepMs": seconds * 1000 / a.steps,
                "samplesPerSec": a.steps * a.batch / seconds,
                "loss": loss,
            }
        )
    )
