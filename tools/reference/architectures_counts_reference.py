"""Reference parameter counts of the Python library's backbones.

Writes packages/architectures/test/fixtures/reference-counts.json, which the architecture tests
compare against. Run it with the Python library (tensorflow_similarity 0.18)
on PYTHONPATH and TensorFlow 2.21 (Keras 3):

    python -m venv /tmp/pyref
    /tmp/pyref/bin/pip install --no-deps tensorflow-cpu==2.21.0   # plus its deps
    git clone https://github.com/tensorflow/similarity /tmp/tfsim-py
    PYTHONPATH=/tmp/tfsim-py /tmp/pyref/bin/python tools/reference/architectures_counts_reference.py

(tensorflow_datasets and distinctipy are imported by the library but unused
here; stub them if they are not installed.)

Under Keras 3 the library's `convert_sync_batchnorm` fails (Keras 3 layers have
no `inbound_nodes`). It only swaps BatchNormalization for its synchronised
twin, which holds the same four weights per channel, so it is replaced by the
identity here: the counts are unchanged by that swap.
"""
import json
import os
import sys
import tempfile
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import tensorflow_similarity.architectures.efficientnet as effnet_mod  # noqa: E402
import tensorflow_similarity.architectures.resnet50 as resnet50_mod  # noqa: E402
from tensorflow_similarity.architectures import ResNet18Sim  # noqa: E402

effnet_mod.convert_sync_batchnorm = lambda model: model
resnet50_mod.convert_sync_batchnorm = lambda model: model
# With pretrained weights the builders freeze batch normalisation, testing
# isinstance against `layers.experimental.SyncBatchNormalization`, which Keras 3
# no longer has; the synchronised layer is a BatchNormalization there.
for mod in (effnet_mod, resnet50_mod):
    if not hasattr(mod.layers, "experimental"):
        mod.layers.experimental = types.SimpleNamespace(SyncBatchNormalization=keras.layers.BatchNormalization)


def counts(model):
    total = int(model.count_params())
    trainable = int(sum(int(tf.size(w)) for w in model.trainable_weights))
    return {"total": total, "trainable": trainable, "output_shape": list(model.output_shape)[1:]}


out = {
    "_about": "Parameter counts of tensorflow_similarity 0.18 backbones (Keras "
    + keras.__version__
    + ", TensorFlow "
    + tf.__version__
    + "), written by tools/reference/architectures_counts_reference.py. Input shape 32x32x3; weights=None unless the key says weights=file (a local Keras weights file).",
}

SHAPE = (32, 32, 3)
out["ResNet18Sim"] = counts(ResNet18Sim(SHAPE))
out["ResNet18Sim(embedding_size=64, l2_norm=False)"] = counts(ResNet18Sim(SHAPE, embedding_size=64, l2_norm=False))
out["ResNet18Sim(pooling=None)"] = counts(ResNet18Sim(SHAPE, pooling=None))
for trainable in ["full", "partial", "frozen"]:
    out[f"ResNet50Sim(trainable={trainable})"] = counts(resnet50_mod.ResNet50Sim(SHAPE, weights=None, trainable=trainable))
out["ResNet50Sim(trainable=full, include_top=False)"] = counts(
    resnet50_mod.ResNet50Sim(SHAPE, weights=None, trainable="full", include_top=False)
)
for variant in ["B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"]:
    for trainable in ["full", "partial", "frozen"] if variant == "B0" else ["full"]:
        out[f"EfficientNetSim(variant={variant}, trainable={trainable})"] = counts(
            effnet_mod.EfficientNetSim(SHAPE, variant=variant, weights=None, trainable=trainable)
        )
        keras.backend.clear_session()

# Pretrained weights (a local weights file standing for ImageNet's): the
# builders then also freeze every batch-normalisation layer.
tmp = tempfile.mkdtemp()
r50_file = os.path.join(tmp, "resnet50_notop.weights.h5")
keras.applications.ResNet50(weights=None, include_top=False).save_weights(r50_file)
b0_file = os.path.join(tmp, "efficientnetb0_notop.weights.h5")
keras.applications.EfficientNetB0(weights=None, include_top=False).save_weights(b0_file)
for trainable in ["full", "partial", "frozen"]:
    out[f"ResNet50Sim(weights=file, trainable={trainable})"] = counts(
        resnet50_mod.ResNet50Sim(SHAPE, weights=r50_file, trainable=trainable)
    )
    out[f"EfficientNetSim(variant=B0, weights=file, trainable={trainable})"] = counts(
        effnet_mod.EfficientNetSim(SHAPE, variant="B0", weights=b0_file, trainable=trainable)
    )
    keras.backend.clear_session()

# The Normalization layer of keras.applications' EfficientNet: its weights.
b0 = keras.applications.EfficientNetB0(weights=None, include_top=False)
norm = [layer for layer in b0.layers if isinstance(layer, keras.layers.Normalization)][0]
out["_efficientnet_normalization_weights"] = [[w.path, list(w.shape)] for w in norm.weights]

target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packages", "architectures", "test", "fixtures", "reference-counts.json")
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(out, indent=2), file=sys.stderr)
