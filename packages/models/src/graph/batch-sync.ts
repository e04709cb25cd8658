/**
 * Which fit callbacks may read the model between epochs. Graph steps keep the
 * newest weights in TensorFlow's session; bringing the tfjs variables up to
 * date after every batch costs a session call and one assign per variable,
 * so fit does it only for callbacks that act after batches. Callbacks that
 * act at epoch boundaries only (EarlyStopping, History, epoch-end
 * evaluations) see weights synced at each epoch's end anyway.
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** CustomCallback's hooks as it keeps them (private in its typings). */
interface CustomHooks {
  batchBegin?: unknown;
  batchEnd?: unknown;
  yield?: unknown;
}

/**
 * Whether a callback does something at batch level: `onBatchBegin`,
 * `onBatchEnd` (a Callback subclass's own, or a CustomCallback's or plain
 * object's) or `onYield` (called after batches).
 */
export function actsPerBatch(callback: unknown): boolean {
  if (callback instanceof tfl.CustomCallback) {
    const hooks = callback as unknown as CustomHooks;
    return hooks.batchBegin != null || hooks.batchEnd != null || hooks.yield != null;
  }
  const c = callback as Partial<tfl.Callback> & tfl.CustomCallbackArgs;
  if (typeof c.setModel === 'function') {
    return c.onBatchBegin !== tfl.Callback.prototype.onBatchBegin || c.onBatchEnd !== tfl.Callback.prototype.onBatchEnd;
  }
  return c.onBatchBegin != null || c.onBatchEnd != null || c.onYield != null;
}
