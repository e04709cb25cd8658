/**
 * The parts of tfjs-node's kernel backend and binding that graph mode uses.
 * tfjs-node runs every kernel through `binding.executeOp` and makes native
 * tensors with `binding.createTensor`; the same binding loads and runs
 * SavedModels through a TF_Session.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import type { OpAttr, TypedValues } from './graph-def';

/** What the binding says about a native tensor it returns. */
export interface TensorMeta {
  id: number;
  shape: number[];
  dtype: number;
}

export interface Binding {
  executeOp(name: string, attrs: OpAttr[], inputs: number[], numOutputs: number): TensorMeta[];
  createTensor(shape: number[], dtype: number, values: TypedValues): number;
  tensorDataSync(id: number): TypedValues;
  loadSavedModel(dir: string, tags: string): number;
  runSavedModel(id: number, inputIds: number[], inputNames: string, outputNames: string): TensorMeta[];
  deleteSavedModel(id: number): void;
}

export interface NativeBackend {
  binding: Binding;
  getInputTensorIds(tensors: Tensor[]): number[];
  createOutputTensor(meta: TensorMeta): Tensor;
}

/** The native TensorFlow backend when it is the active one (tfjs-node, tfjs-node-gpu), else null. */
export function activeNativeBackend(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  const b = backend.binding as Partial<Binding> | undefined;
  if (!b || typeof b.executeOp !== 'function' || typeof b.runSavedModel !== 'function' || typeof b.loadSavedModel !== 'function')
    return null;
  if (typeof backend.getInputTensorIds !== 'function' || typeof backend.createOutputTensor !== 'function') return null;
  return backend as NativeBackend;
}

/** TensorFlow's DataType code of a tfjs dtype (the binding's TF_* codes are TensorFlow's). */
export function tfDataType(dtype: string): number | null {
  switch (dtype) {
    case 'float32':
      return 1;
    case 'int32':
      return 3;
    case 'bool':
      return 10;
    default:
      return null;
  }
}

/** The native tensor id behind `t` (materialising a tensor still held in JavaScript). */
export function nativeId(backend: NativeBackend, t: Tensor): number {
  return backend.getInputTensorIds([t])[0]!;
}
