"""One Python faiss-cpu index configuration, measured as the TypeScript
benchmark measures FaissSearch: rows streamed from the .npy file in chunks
into the index (after training IVF on the first rows), RSS before and after,
the best of `reps` searches of all queries, recall@10 against the ground
truth file. Prints one JSON line.
"""
import argparse
import gc
import json
import os
import time

import faiss
import numpy as np


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--algo", required=True, choices=["flat", "hnsw", "ivf"])
    p.add_argument("--keys", required=True)
    p.add_argument("--queries", required=True)
    p.add_argument("--gt")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--nlist", type=int, default=100)
    p.add_argument("--nprobe", type=int, default=8)
    p.add_argument("--train-rows", type=int, default=5000)
    p.add_argument("--chunk", type=int, default=50000)
    p.add_argument("--hnsw-m", type=int, default=16)
    p.add_argument("--ef-search", type=int, default=400)
    p.add_argument("--ef-construction", type=int, default=40)
    p.add_argument("--ef-sweep", default="", help="comma-separated efSearch values to search again at (HNSW)")
    a = p.parse_args()

    # Rows are read from the file into one buffer (no memory map: mapped pages
    # would count in this process' RSS), allocated before the baseline.
    keys = np.load(a.keys, mmap_mode="r")
    n, dim = keys.shape
    offset = keys.offset
    del keys
    queries = np.ascontiguousarray(np.load(a.queries))
    chunk = np.ones((min(a.chunk, n), dim), dtype=np.float32)
    f = open(a.keys, "rb")

    def read_rows(start, count, out):
        f.seek(offset + start * dim * 4)
        f.readinto(memoryview(out[:count]).cast("B"))
        return out[:count]

    gc.collect()
    rss0 = rss_bytes()
    if a.algo == "flat":
        index = faiss.IndexFlatL2(dim)
    elif a.algo == "hnsw":
        index = faiss.IndexHNSWFlat(dim, a.hnsw_m)
        index.hnsw.efConstruction = a.ef_construction
        index.hnsw.efSearch = a.ef_search
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dim), dim, a.nlist)
        index.nprobe = a.nprobe
    train_ms = None
    if a.algo == "ivf":
        sample = read_rows(0, a.train_rows, np.empty((a.train_rows, dim), dtype=np.float32))
        t = time.perf_counter()
        index.train(sample)
        train_ms = (time.perf_counter() - t) * 1000
        del sample
    add_ms = 0.0
    for start in range(0, n, a.chunk):
        rows = read_rows(start, min(a.chunk, n - start), chunk)
        t = time.perf_counter()
        index.add(rows)
        add_ms += (time.perf_counter() - t) * 1000
    f.close()
    gc.collect()
    rss_delta = rss_bytes() - rss0
    index.search(queries[:10], a.k)  # warm-up
    lookup_ms = float("inf")
    lookup_cpu_ms = 0.0
    labels = None
    for _ in range(a.reps):
        cpu = time.process_time()
        t = time.perf_counter()
        _, labels = index.search(queries, a.k)
        ms = (time.perf_counter() - t) * 1000
        if ms < lookup_ms:
            lookup_ms = ms
            lookup_cpu_ms = (time.process_time() - cpu) * 1000
    gt = np.load(a.gt) if a.gt and os.path.exists(a.gt) else None

    def recall_of(found):
        if gt is None:
            return None
        hits = sum(len(set(gt[i]) & set(found[i])) for i in range(len(queries)))
        return hits / (len(queries) * a.k)

    recall = recall_of(labels)
    q = len(queries)
    sweep = None
    if a.algo == "hnsw" and a.ef_sweep:
        sweep = []
        for ef in [int(x) for x in a.ef_sweep.split(",") if x.strip()]:
            index.hnsw.efSearch = ef
            index.search(queries[:10], a.k)
            best = float("inf")
            for _ in range(a.reps):
                t = time.perf_counter()
                _, found = index.search(queries, a.k)
                ms = (time.perf_counter() - t) * 1000
                if ms < best:
                    best, best_found = ms, found
            sweep.append({"efSearch": ef, "queriesPerSec": q * 1000 / best, "recallAt10": recall_of(best_found)})
    print(
        json.dumps(
            {
                "impl": "python-faiss",
                "algo": a.algo,
                "n": int(n),
                "available": True,
                "version": f"faiss-cpu {faiss.__version__} (Python, {faiss.omp_get_max_threads()} threads)",
                "trainMs": train_ms,
                "addMs": add_ms,
                "addPerSec": n * 1000 / add_ms,
                "lookupMs": lookup_ms,
                "queriesPerSec": q * 1000 / lookup_ms,
                "effectiveGflops": 2 * n * q * dim / (lookup_ms * 1e6),
                "lookupCpuMs": lookup_cpu_ms,
                "recallAt10": recall,
                "rssDeltaBytes": rss_delta,
                "memoryRatio": rss_delta / (n * dim * 4),
                "sweep": sweep,
            }
        )
    )


if __name__ == "__main__":
    main()
