"""Convert Keras backbone weights to the folder @tfsim/architectures loads.

The folder is a TensorFlow.js layers-model weights folder: `model.json` (its
`weightsManifest` lists every weight as `<layer name>/<weight name>`, shape
and dtype) and `weights.bin` (the raw little-endian values, in that order).
Pass the folder as `weights` to buildResNet50Sim / buildEfficientNetSim, or
to `loadWeights(model, folder)`.

    python tools/convert_keras_weights.py --model resnet50 --weights imagenet --out ./resnet50-imagenet
    python tools/convert_keras_weights.py --model efficientnetb0 --weights ./efficientnetb0_notop.h5 --out ./effb0

`--weights imagenet` needs Keras' download host; a path to a Keras weights
file works offline. Keras (2.13+ or 3) and NumPy are needed, nothing else.

For EfficientNet with `--weights imagenet`, Keras inserts an extra
per-channel Rescaling by 1/sqrt(ImageNet std) after its Normalization layer
(keras.applications' EfficientNet, "imagenet" branch). That rescaling has no
weights, so it is folded into the Normalization variance here:
(x - m) / sqrt(v) / sqrt(s) == (x - m) / sqrt(v * s). The converted folder then
reproduces Keras' ImageNet model without the extra layer. Weights loaded from
a file are taken as they are, as Keras does.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def _walk(layer):
    """The layer and, for nested models, every layer inside, depth first."""
    yield layer
    for inner in getattr(layer, "layers", []) or []:
        yield from _walk(inner)


def _weight_name(layer, weight) -> str:
    # Keras 3 calls a depthwise kernel "kernel"; tfjs (and Keras 2) "depthwise_kernel".
    short = weight.name.split("/")[-1].split(":")[0]
    if type(layer).__name__ == "DepthwiseConv2D" and short == "kernel":
        short = "depthwise_kernel"
    return f"{layer.name}/{short}"


def keras_weights(model, fold_imagenet_std: bool = False) -> list[tuple[str, np.ndarray]]:
    """(name, value) for every weight of `model`, nested models flattened, in tfjs dtypes."""
    out = []
    seen = set()
    for layer in _walk(model):
        if getattr(layer, "layers", None):
            # A (nested) model: its weights are its layers', named by them.
            continue
        for weight in layer.weights:
            name = _weight_name(layer, weight)
            if name in seen:
                continue
            seen.add(name)
            value = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)
            if np.issubdtype(value.dtype, np.integer):
                value = value.astype(np.int32)
            else:
                value = value.astype(np.float32)
            if fold_imagenet_std and type(layer).__name__ == "Normalization" and name.endswith("/variance"):
                value = (value * np.asarray(IMAGENET_STDDEV_RGB, dtype=np.float32)).astype(np.float32)
            out.append((name, value))
    return out


def write_folder(weights: list[tuple[str, np.ndarray]], out_dir: str, source: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    specs = []
    with open(os.path.join(out_dir, "weights.bin"), "wb") as f:
        for name, value in weights:
            f.write(np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<")).tobytes())
            specs.append({"name": name, "shape": list(value.shape), "dtype": "int32" if value.dtype == np.int32 else "float32"})
    manifest = {
        "format": "tfsim-weights",
        "generatedBy": "packages/architectures/tools/convert_keras_weights.py",
        "source": source,
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(manifest, f)


def build_keras_backbone(model: str, weights: str | None):
    import keras

    apps = {
        "resnet50": keras.applications.ResNet50,
        **{f"efficientnetb{i}": getattr(keras.applications, f"EfficientNetB{i}") for i in range(8)},
    }
    if model not in apps:
        raise SystemExit(f"unknown model {model}; one of {', '.join(apps)}")
    return apps[model](weights=weights, include_top=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="resnet50, efficientnetb0 ... efficientnetb7")
    parser.add_argument("--weights", required=True, help="'imagenet' or a Keras weights file")
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args()
    backbone = build_keras_backbone(args.model, args.weights)
    fold = args.model.startswith("efficientnet") and args.weights == "imagenet"
    weights = keras_weights(backbone, fold_imagenet_std=fold)
    write_folder(weights, args.out, f"keras.applications {args.model}, weights={args.weights}")
    print(f"wrote {len(weights)} weights to {args.out}")


if __name__ == "__main__":
    main()
