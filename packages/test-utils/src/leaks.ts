import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and fails if it leaves tensors behind. Returns what `fn` returns,
 * so a test can also check the value. Tensors that `fn` returns on purpose
 * are counted by `keep` (default 0).
 */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, keep = 0): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after - before !== keep) {
    throw new Error(`expected ${keep} new tensor(s), found ${after - before} (before ${before}, after ${after})`);
  }
  return result;
}
