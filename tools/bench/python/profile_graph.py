"""Where the time of a compiled @tfsim graph step goes.

Loads the SavedModel that tools/bench/graph-profile.ts wrote (the exact graph
GraphTrainer runs through tfjs-node's session runner), feeds the recorded
inputs in a TensorFlow session with the default ConfigProto (what
TF_LoadSessionFromSavedModel gets from tfjs-node) or the options given, times
untraced runs, then traces runs with TensorFlow's own step stats
(RunMetadata, FULL_TRACE) and sums the kernel time per op type of the graph
after grappler. Prints one JSON line.
"""
import argparse
import collections
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def session_config(a):
    config = tf.compat.v1.ConfigProto()
    if a.intra is not None:
        config.intra_op_parallelism_threads = a.intra
    if a.inter is not None:
        config.inter_op_parallelism_threads = a.inter
    rewrite = config.graph_options.rewrite_options
    for name in a.grappler_off:
        setattr(rewrite, name, 2)  # RewriterConfig.OFF
    return config


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--trace-steps", type=int, default=10)
    p.add_argument("--intra", type=int)
    p.add_argument("--inter", type=int)
    p.add_argument("--grappler-off", nargs="*", default=[], help="RewriterConfig fields to turn off, e.g. remapping arithmetic_optimization")
    a = p.parse_args()
    with open(os.path.join(a.dir, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("opLibrary"):  # our ops (the fused Adam) must be registered before the graph loads
        tf.load_op_library(manifest["opLibrary"])
    graph = tf.Graph()
    with graph.as_default():
        sess = tf.compat.v1.Session(graph=graph, config=session_config(a))
        tf.compat.v1.saved_model.loader.load(sess, ["serve"], a.dir)
        feed = {graph.get_tensor_by_name(i["name"]): np.load(os.path.join(a.dir, i["file"])) for i in manifest["inputs"]}
        fetches = [graph.get_tensor_by_name(o) for o in manifest["outputs"]]
        init = manifest.get("init")
        if init:  # the step's state: resource variables written once by the init signature
            init_feed = {graph.get_tensor_by_name(i["name"]): np.load(os.path.join(a.dir, i["file"])) for i in init["inputs"]}
            sess.run(graph.get_tensor_by_name(init["output"]), init_feed)
        for _ in range(3):
            sess.run(fetches, feed)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(a.steps):
            sess.run(fetches, feed)
        wall_ms = (time.perf_counter() - t0) * 1000 / a.steps
        cpu_ms = (time.process_time() - c0) * 1000 / a.steps

        options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE, output_partition_graphs=True)
        by_type = collections.defaultdict(lambda: [0, 0.0])
        by_node = collections.defaultdict(float)
        kernels = 0
        op_of = {}
        traced_ms = 0.0
        for _ in range(a.trace_steps):
            meta = tf.compat.v1.RunMetadata()
            t0 = time.perf_counter()
            sess.run(fetches, feed, options=options, run_metadata=meta)
            traced_ms += (time.perf_counter() - t0) * 1000
            for pg in meta.partition_graphs:
                for n in pg.node:
                    op_of[n.name] = n.op
            for dev in meta.step_stats.dev_stats:
                for ns in dev.node_stats:
                    op = op_of.get(ns.node_name, ns.timeline_label.split("(")[0].split("= ")[-1] or "?")
                    if op in ("_Recv", "_Send", "_Arg", "_Retval", "NoOp", "Placeholder") or ns.node_name == "_SOURCE":
                        continue
                    ms = ns.all_end_rel_micros / 1000.0
                    by_type[op][0] += 1
                    by_type[op][1] += ms
                    by_node[ns.node_name] += ms
                    kernels += 1
        n = a.trace_steps
        optimized = collections.Counter(op_of.values())
        traced_ops = collections.Counter(op.type for op in graph.get_operations())
        result = {
            "tensorflow": tf.__version__,
            "graphNodes": sum(traced_ops.values()),
            "graphOps": dict(traced_ops.most_common()),
            "optimizedNodes": sum(optimized.values()),
            "wallMsPerStep": wall_ms,
            "cpuMsPerStep": cpu_ms,
            "tracedWallMsPerStep": traced_ms / n,
            "kernelsPerStep": kernels / n,
            "kernelMsPerStep": sum(v[1] for v in by_type.values()) / n,
            "byOp": sorted(
                ({"op": k, "calls": v[0] / n, "ms": v[1] / n} for k, v in by_type.items()), key=lambda e: -e["ms"]
            ),
            "topNodes": sorted(({"node": k, "ms": v / n} for k, v in by_node.items()), key=lambda e: -e["ms"])[:15],
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
