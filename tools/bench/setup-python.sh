#!/usr/bin/env bash
# Creates the Python peers' venv for the benchmarks (TFSIM_BENCH_VENV, default
# /tmp/bench-venv) from the machine's package index (its pip config):
# tensorflow-cpu 2.21.0, CPU torch, pytorch-metric-learning, faiss-cpu, numpy.
# Each peer is installed on its own, so one that cannot be installed leaves the
# others usable; the benchmarks then report that peer as unavailable.
set -u
VENV="${TFSIM_BENCH_VENV:-/tmp/bench-venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" || { echo "setup-python: cannot create a venv at $VENV" >&2; exit 1; }
fi
# No retries: an unreachable default index should fail fast, not back off.
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q --retries 0 --timeout 10)
status=0
install() {
  # Serialise pip across engineers sharing this machine when flock exists.
  if command -v flock >/dev/null; then
    flock /tmp/tfsim-pip.lock "${PIP[@]}" "$@"
  else
    "${PIP[@]}" "$@"
  fi || { echo "setup-python: could not install $* (that peer will be skipped)" >&2; status=1; }
}
install numpy
install tensorflow-cpu==2.21.0
# CPU-only torch: prefer a "+cpu" wheel from the configured find-links folder
# (the index's newest torch may be a CUDA build pulling in gigabytes of nvidia
# packages).
cpu_wheel=""
for dir in $("$VENV/bin/python" -m pip config get global.find-links 2>/dev/null); do
  cpu_wheel=$(ls "$dir"/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -1)
done
if [ -n "$cpu_wheel" ]; then
  install "torch==$(basename "$cpu_wheel" | cut -d- -f2)"
else
  install torch
fi
install pytorch-metric-learning
install faiss-cpu
"$VENV/bin/python" - <<'PY'
import importlib
for name in ["numpy", "tensorflow", "torch", "pytorch_metric_learning", "faiss"]:
    try:
        m = importlib.import_module(name)
        print(f"{name} {getattr(m, '__version__', '?')}")
    except Exception as e:  # report and keep going: the bench skips missing peers
        print(f"{name} MISSING ({type(e).__name__}: {e})")
PY
exit $status
