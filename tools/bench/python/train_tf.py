"""Training throughput of the benchmark CNN with multi-similarity loss on
Python TensorFlow (Keras 3 layers, a tf.function training step).

The loss follows tensorflow_similarity's MultiSimilarityLoss semantics
(cosine distance clipped at 0, pair mining with epsilon, lambda shift,
log(1 + sum exp) terms), written here so that the benchmark needs no more
than TensorFlow. Prints one JSON line: samplesPerSec, stepMs, loss, version.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from train_peer import parse_args, random_batches, time_steps  # noqa: E402

ALPHA, BETA, EPSILON, LMDA, CENTER = 2.0, 40.0, 0.1, 0.5, 1.0


def log1p_sum_exp(x, mask):
    """log(1 + sum over mask of exp(x)) per row, stable for large x."""
    x = tf.where(mask, x, tf.fill(tf.shape(x), -np.inf))
    top = tf.maximum(tf.reduce_max(x, axis=1, keepdims=True), 0.0)
    total = tf.exp(-top) + tf.reduce_sum(tf.exp(x - top), axis=1, keepdims=True)
    return tf.math.log(total) + top


def multisimilarity_loss(labels, embeddings):
    d = tf.maximum(1.0 - tf.matmul(embeddings, embeddings, transpose_b=True), 0.0)
    same = tf.equal(labels[:, None], labels[None, :])
    n = tf.shape(labels)[0]
    positive = tf.logical_and(same, tf.logical_not(tf.eye(n, dtype=tf.bool)))
    negative = tf.logical_not(same)
    sd = tf.stop_gradient(d)
    closest_negative = tf.reduce_min(tf.where(negative, sd, np.inf), axis=1, keepdims=True)
    farthest_positive = tf.reduce_max(tf.where(positive, sd, -np.inf), axis=1, keepdims=True)
    pos_pairs = tf.logical_and(positive, sd > closest_negative - EPSILON)
    neg_pairs = tf.logical_and(negative, sd < farthest_positive + EPSILON)
    valid = tf.logical_and(tf.reduce_any(pos_pairs, 1), tf.reduce_any(neg_pairs, 1))
    shifted = d + LMDA - CENTER
    pos_loss = log1p_sum_exp(ALPHA * shifted, pos_pairs) / ALPHA
    neg_loss = log1p_sum_exp(-BETA * shifted, neg_pairs) / BETA
    per_example = tf.reshape(pos_loss + neg_loss, [-1]) * tf.cast(valid, tf.float32)
    return tf.reduce_mean(per_example)


def build_model(side, kind="cnn"):
    layers = tf.keras.layers
    if kind == "dense":
        return tf.keras.Sequential(
            [
                tf.keras.Input((side, side, 1)),
                layers.Flatten(),
                layers.Dense(256, activation="relu"),
                layers.Dense(128, activation="relu"),
                layers.Dense(64),
                layers.UnitNormalization(),
            ]
        )
    return tf.keras.Sequential(
        [
            tf.keras.Input((side, side, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64),
            layers.UnitNormalization(),
        ]
    )


def main():
    a = parse_args()
    batches = [tf.constant(b) for b in random_batches(a, (a.batch, a.side, a.side, 1))]
    labels = tf.constant(np.arange(a.batch) // 4, dtype=tf.int32)
    model = build_model(a.side, a.model)
    optimizer = tf.keras.optimizers.Adam(1e-3)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = multisimilarity_loss(labels, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    time_steps(a, lambda x: float(step(x)), batches, "python-tensorflow", f"TensorFlow {tf.__version__} (Python, tf.function)")

if __name__ == "__main__":
    main()
