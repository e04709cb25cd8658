# Produces packages/models/test/schedules/python-values.json: WarmupCosineDecay of tensorflow_similarity 0.18 (its
# schedules.py, loaded from a checkout at /tmp/tfsim-py) on TensorFlow 2.21.
# Run: python tools/reference/models_schedules_reference.py > packages/models/test/schedules/python-values.json
import os, sys, json, types
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
import keras
# tensorflow_similarity 0.18 targets Keras 2; TF 2.21 ships Keras 3, which moved
# CosineDecay out of keras.experimental. Shim only that name, then load the
# library's schedules.py as it is.
tf.keras.experimental = types.SimpleNamespace(CosineDecay=keras.optimizers.schedules.CosineDecay)
import importlib.util
spec = importlib.util.spec_from_file_location("schedules", "/tmp/tfsim-py/tensorflow_similarity/schedules.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
cases = []
for (mx, total, warm, alpha, steps) in [
    (1.0, 1000, 500, 0.0, list(range(0, 1500, 250))),
    (1.0, 1000, 500, 0.1, list(range(0, 1500, 250))),
    (0.003, 937, 93, 0.0, [0, 1, 5, 46, 92, 93, 94, 200, 468, 700, 936, 937, 2000]),
    (0.05, 120, 0, 0.25, [0, 1, 7, 30, 59, 60, 61, 119, 120, 500]),
    (0.12, 10, 3, 0.0, list(range(0, 12))),
]:
    s = mod.WarmupCosineDecay(mx, total, warm, alpha)
    vals = [float(s(st).numpy()) for st in steps]
    cases.append(dict(maxLearningRate=mx, totalSteps=total, warmupSteps=warm, alpha=alpha, steps=steps, values=vals))
print(json.dumps(cases))
