#!/usr/bin/env python3
"""Reference fixtures for @tfsim/samplers, written by Python TensorFlow itself.

1. TFRecord shards written with tf.io.TFRecordWriter (uncompressed, GZIP and
   ZLIB), holding tf.train.Example protos with every feature kind (bytes_list,
   float_list, int64_list, an empty Feature, empty lists, extreme int64 values,
   special floats), plus one shard of raw non-Example records. Next to them,
   expected.json lists every record exactly: bytes as base64, floats as their
   float32 bit patterns, int64 as decimal strings. The TypeScript reader must
   read them back bit for bit.
2. image-ops.json: outputs of tf.image's colour ops (adjust_brightness,
   adjust_contrast, adjust_saturation, adjust_hue, rgb_to_grayscale,
   rgb_to_hsv, hsv_to_rgb), crop_and_resize and the Python library's
   gaussian_blur on a fixed seeded image batch, for the augmenters' tests.

Setup (once), as for tools/reference/tfsim_reference.py:
  python3.11 -m venv /tmp/pyref
  /tmp/pyref/bin/pip install --no-deps tensorflow-cpu==2.21.0
  /tmp/pyref/bin/pip install <tensorflow-cpu's dependencies>
      (from the local index: --index-url file:///opt/pypi/simple
       --extra-index-url file:///opt/pypi-more/simple)
  git clone https://github.com/tensorflow/similarity /tmp/tfsim-py
  (a directory of stubs for tensorflow_datasets and distinctipy, which the
  library imports but never uses here, goes on PYTHONPATH too)

Run from the repository root:
  PYTHONPATH=/tmp/tfsim-py:/tmp/pyshim /tmp/pyref/bin/python tools/reference/samplers_reference.py

Everything is drawn from seeded generators, so a re-run writes the same files.
"""
import base64
import hashlib
import json
import os
import shutil
import struct

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tensorflow_similarity.augmenters.augmentation_utils.blur import gaussian_blur  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "packages", "samplers", "test", "fixtures")
TFRECORD_DIR = os.path.join(FIXTURES, "tfrecord")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def float_bits(values):
    """float32 bit patterns as 8-digit hex: exact for NaN payloads and -0.
    A long list is pinned by the SHA-256 of its little-endian bytes instead."""
    values = np.asarray(values, np.float32)
    if len(values) > 64:
        return {"length": len(values), "sha256": hashlib.sha256(values.astype("<f4").tobytes()).hexdigest()}
    return ["%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in values]


def describe_bytes(data: bytes):
    """Base64, or length and SHA-256 for long values."""
    if len(data) > 512:
        return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return b64(data)


def describe_feature(feature: tf.train.Feature) -> dict:
    kind = feature.WhichOneof("kind")
    if kind is None:
        return {"kind": None}
    if kind == "bytes_list":
        return {"kind": "bytesList", "value": [describe_bytes(v) for v in feature.bytes_list.value]}
    if kind == "float_list":
        return {"kind": "floatList", "value": float_bits(feature.float_list.value)}
    return {"kind": "int64List", "value": [str(v) for v in feature.int64_list.value]}


def describe_example(serialized: bytes) -> dict:
    example = tf.train.Example.FromString(serialized)
    return {name: describe_feature(example.features.feature[name]) for name in sorted(example.features.feature)}


def bytes_feature(values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def float_feature(values):
    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


def int64_feature(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def labelled_example(rng, label: int, index: int) -> bytes:
    """A record as a user of the streaming sampler writes it: label, id, a small vector."""
    vector = rng.standard_normal(4).astype(np.float32)
    feature = {
        "label": int64_feature([label]),
        "id": int64_feature([index]),
        "x": float_feature(vector),
        "name": bytes_feature([f"class {label} / example {index} / \u00e9t\u00e9".encode("utf-8")]),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def edge_examples(rng) -> list:
    """Every feature kind at its edges."""
    out = []
    special = np.array(
        [0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, 3.4028235e38, 1e-45, 1.1754944e-38],
        dtype=np.float32,
    )
    feature = {
        "floats": float_feature(special),
        "int64": int64_feature([-(2**63), 2**63 - 1, -1, 0, 1, 1234567890123, -300, 127, 128]),
        "bytes": bytes_feature([b"", b"\x00\xff\x80binary", bytes(rng.integers(0, 256, 300, dtype=np.uint8))]),
        "empty_bytes": bytes_feature([]),
        "empty_floats": float_feature([]),
        "empty_int64": int64_feature([]),
        "unset": tf.train.Feature(),
        "\u540d\u524d": bytes_feature(["unicode key \u2713".encode("utf-8")]),
    }
    out.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    # A long float list (packed encoding over 2^7 and 2^14 bytes) and an empty Example.
    long_floats = rng.standard_normal(5000).astype(np.float32)
    out.append(
        tf.train.Example(
            features=tf.train.Features(feature={"long": float_feature(long_floats), "n": int64_feature([5000])})
        ).SerializeToString()
    )
    out.append(tf.train.Example().SerializeToString())
    return out


def write_shard(path: str, records: list, compression=None):
    options = tf.io.TFRecordOptions(compression_type=compression) if compression else None
    with tf.io.TFRecordWriter(path, options=options) as writer:
        for record in records:
            writer.write(record)


def tfrecord_fixtures():
    if os.path.isdir(TFRECORD_DIR):
        shutil.rmtree(TFRECORD_DIR)
    os.makedirs(TFRECORD_DIR)
    rng = np.random.default_rng(2021)
    expected = {}

    # Two labelled shards in the layout the Python sampler asks for (class
    # blocks), 5 classes x 6 examples, split unevenly across the shards.
    labelled = [labelled_example(rng, label, label * 100 + i) for label in range(5) for i in range(6)]
    shards = {"labelled-00000-of-00002.tfrec": labelled[:13], "labelled-00001-of-00002.tfrec": labelled[13:]}
    for name, records in shards.items():
        write_shard(os.path.join(TFRECORD_DIR, name), records)
        expected[name] = {"compression": None, "examples": [describe_example(r) for r in records]}

    edges = edge_examples(rng)
    described = [describe_example(r) for r in edges]
    for name, compression in (("edges.tfrec", None), ("edges-gzip.tfrec.gz", "GZIP"), ("edges-zlib.tfrec.z", "ZLIB")):
        write_shard(os.path.join(TFRECORD_DIR, name), edges, compression)
        expected[name] = {"compression": compression, "examples": described if compression is None else "edges.tfrec"}

    raw = [b"", b"hello", bytes(rng.integers(0, 256, 70000, dtype=np.uint8)), b"\x00" * 3]
    write_shard(os.path.join(TFRECORD_DIR, "raw.tfrecord"), raw)
    expected["raw.tfrecord"] = {"compression": None, "records": [describe_bytes(r) for r in raw]}

    # The serialised bytes of the first labelled Example, to pin our encoder's
    # output to Python's byte for byte (map entries sorted by key are not
    # guaranteed by protobuf, so compare after decoding as well).
    expected["_serialized_first_labelled"] = b64(labelled[0])

    with open(os.path.join(TFRECORD_DIR, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.relpath(TFRECORD_DIR, ROOT))


def image_op_fixtures():
    rng = np.random.default_rng(5)
    images = rng.uniform(0, 1, size=(2, 6, 7, 3)).astype(np.float32)
    # One grey pixel and one saturated pixel, where hue conversions branch.
    images[0, 0, 0] = [0.5, 0.5, 0.5]
    images[1, 0, 0] = [1.0, 0.0, 0.0]
    images[1, 0, 1] = [0.0, 0.0, 0.0]
    t = tf.constant(images)
    out = {"images": images.reshape(-1).tolist(), "shape": list(images.shape)}
    out["brightness"] = {"delta": [0.2, -0.3]}
    out["brightness"]["output"] = np.concatenate(
        [tf.image.adjust_brightness(t[i], d).numpy().reshape(-1) for i, d in enumerate(out["brightness"]["delta"])]
    ).tolist()
    out["contrast"] = {"factor": [1.6, 0.4]}
    out["contrast"]["output"] = np.concatenate(
        [tf.image.adjust_contrast(t[i], f).numpy().reshape(-1) for i, f in enumerate(out["contrast"]["factor"])]
    ).tolist()
    out["saturation"] = {"factor": [1.7, 0.3]}
    out["saturation"]["output"] = np.concatenate(
        [tf.image.adjust_saturation(t[i], f).numpy().reshape(-1) for i, f in enumerate(out["saturation"]["factor"])]
    ).tolist()
    out["hue"] = {"delta": [0.15, -0.45]}
    out["hue"]["output"] = np.concatenate(
        [tf.image.adjust_hue(t[i], d).numpy().reshape(-1) for i, d in enumerate(out["hue"]["delta"])]
    ).tolist()
    out["grayscale"] = tf.tile(tf.image.rgb_to_grayscale(t), [1, 1, 1, 3]).numpy().reshape(-1).tolist()
    hsv = tf.image.rgb_to_hsv(t)
    out["rgb_to_hsv"] = hsv.numpy().reshape(-1).tolist()
    out["hsv_to_rgb"] = tf.image.hsv_to_rgb(hsv).numpy().reshape(-1).tolist()
    boxes = np.array([[0.1, 0.2, 0.9, 0.7], [0.0, 0.0, 1.0, 1.0]], np.float32)
    out["crop_and_resize"] = {
        "boxes": boxes.reshape(-1).tolist(),
        "size": [4, 5],
        "output": tf.image.crop_and_resize(t, boxes, [0, 1], [4, 5]).numpy().reshape(-1).tolist(),
    }
    out["gaussian_blur"] = {"kernel_size": 3, "sigma": [0.7, 1.3]}
    out["gaussian_blur"]["output"] = np.concatenate(
        [
            gaussian_blur(t[i], kernel_size=3, sigma=s, padding="SAME").numpy().reshape(-1)
            for i, s in enumerate(out["gaussian_blur"]["sigma"])
        ]
    ).tolist()
    path = os.path.join(FIXTURES, "image-ops.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    tfrecord_fixtures()
    image_op_fixtures()
