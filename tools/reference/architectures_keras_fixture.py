"""Keras oracles for the backbone graphs.

Default: writes packages/architectures/test/fixtures/keras-efficientnet-small, keras.applications'
EfficientNet built with small width/depth coefficients (so that its weights
fit in the repository), every weight randomised (batch-norm statistics and
the Normalization layer included, so that none is the identity), converted
with packages/architectures/tools/convert_keras_weights.py (the converter
users run), plus a seeded input and Keras' output.
packages/architectures/test/keras-equivalence.test.ts loads the weights into
createEfficientNetBackbone(shape, {width, depth}) and compares the outputs.

With --full DIR it also writes full-size cases (too large to commit) to DIR:
the Python library's ResNet18Sim (whole model), keras.applications' ResNet50
and EfficientNetB0 backbones. Run the tests with TFSIM_KERAS_CHECK_DIR=DIR to
compare against them as well.

    PYTHONPATH=/tmp/tfsim-py /tmp/pyref/bin/python tools/reference/architectures_keras_fixture.py [--full /tmp/tfsim-keras-check]
"""
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.applications.efficientnet import EfficientNet  # noqa: E402

# The converter users run lives with the package; the fixture must be made by the same code.
ARCHITECTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packages", "architectures")
sys.path.insert(0, os.path.join(ARCHITECTURES, "tools"))
from convert_keras_weights import _walk, keras_weights, write_folder  # noqa: E402

SHAPE = (2, 32, 32, 3)


def randomise_statistics(model, rng):
    """Batch-norm and Normalization weights away from their identity defaults."""
    for layer in _walk(model):
        kind = type(layer).__name__
        if kind == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                rng.uniform(-0.5, 0.5, beta.shape).astype("float32"),
                rng.uniform(-0.5, 0.5, mean.shape).astype("float32"),
                rng.uniform(0.5, 2.0, var.shape).astype("float32"),
            ])
        elif kind == "Normalization":
            _, _, count = layer.get_weights()
            layer.set_weights([
                # ImageNet's statistics, on the [0, 1] scale the Rescaling before it gives.
                np.array([0.485, 0.456, 0.406], "float32"),
                np.array([0.229, 0.224, 0.225], "float32") ** 2,
                count,
            ])
            # Keras computes the normalisation constants from these weights when
            # it loads a file, not on set_weights.
            layer.finalize_state()


def write_case(model, x, out_dir, about, extra):
    y = np.asarray(model(x, training=False))
    write_folder(keras_weights(model), out_dir, about)
    with open(os.path.join(out_dir, "case.json"), "w") as f:
        json.dump(
            {
                "_about": "written by tools/reference/architectures_keras_fixture.py: " + about,
                "keras": keras.__version__,
                "params": int(model.count_params()),
                **extra,
                "inputShape": list(x.shape),
                # Whole numbers: exact in JSON and in float32.
                "input": [int(v) for v in x.reshape(-1)],
                "outputShape": list(y.shape),
                "output": [float(v) for v in y.reshape(-1)],
            },
            f,
        )
    print(out_dir, model.count_params(), "params, output", y.shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", help="also write full-size cases to this folder")
    args = parser.parse_args()

    # Fresh Keras names (normalization, not normalization_1) for every model.
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    width, depth = 0.1, 0.35
    small = EfficientNet(width, depth, 224, weights=None, include_top=False, input_shape=(None, None, 3))
    randomise_statistics(small, rng)
    x = rng.integers(0, 256, SHAPE).astype("float32")
    write_case(
        small,
        x,
        os.path.join(ARCHITECTURES, "test", "fixtures", "keras-efficientnet-small"),
        f"keras EfficientNet(width={width}, depth={depth}), randomised",
        {"width": width, "depth": depth},
    )

    if args.full:
        from tensorflow_similarity.architectures import ResNet18Sim

        keras.backend.clear_session()
        r18 = ResNet18Sim(SHAPE[1:])
        randomise_statistics(r18, rng)
        write_case(r18, x, os.path.join(args.full, "resnet18sim"), "tensorflow_similarity ResNet18Sim((32, 32, 3))", {})

        keras.backend.clear_session()
        r50 = keras.applications.ResNet50(weights=None, include_top=False)
        randomise_statistics(r50, rng)
        write_case(r50, x - 128, os.path.join(args.full, "resnet50"), "keras.applications ResNet50 (no top)", {})

        keras.backend.clear_session()
        b0 = keras.applications.EfficientNetB0(weights=None, include_top=False)
        randomise_statistics(b0, rng)
        write_case(b0, x, os.path.join(args.full, "efficientnetb0"), "keras.applications EfficientNetB0 (no top)", {})


if __name__ == "__main__":
    main()
