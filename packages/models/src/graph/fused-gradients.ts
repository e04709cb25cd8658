/**
 * TensorFlow's own fused gradient kernels for activations, on the native
 * backend, during a fit. TensorFlow.js differentiates Relu as
 * `dy * cast(step(x))`, and tfjs-node runs `step` as seven kernels
 * (IsNan, Greater, Fill, two Selects over a JavaScript-made tensor of ones
 * the size of the activation, Cast, Mul); TensorFlow has one kernel,
 * `ReluGrad(dy, y)`. Reading the activation's output rather than its input
 * also leaves the pre-activation with one consumer, so grappler can fuse
 * convolution, bias and Relu in a graph step. The substitution is made where
 * the gradient is taken, so eager and graph steps run the same kernels.
 */
import type { GradConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

import type { OpAttr } from './graph-def';
import { activeNativeBackend } from './native';

const ATTR_TYPE = 4;
const TF_FLOAT = 1;

/** tfjs-node's helper that runs one TensorFlow op and returns its output. */
interface ExecutingBackend {
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TensorInfo[]): Tensor;
}

/** A fused gradient: the tfjs kernel it differentiates, the TensorFlow op, and how to call it. */
interface Fused {
  /** The forward kernel whose gradient is replaced. */
  forward: string;
  /** Our kernel name for the fused op (registered on the native backend). */
  kernel: string;
  /** TensorFlow's op, with inputs in its order: `dy` and the forward output `y`. */
  op: string;
  order: 'dy,y' | 'y,dy';
  /** The fused op's own gradient (so that gradients of gradients stay right). */
  grad: (ddy: Tensor, y: Tensor, dy: Tensor) => { dy: () => Tensor; y: () => Tensor };
}

const FUSED: Fused[] = [
  {
    forward: 'Relu',
    kernel: 'TfsimReluGrad',
    op: 'ReluGrad',
    order: 'dy,y',
    // ReluGrad is linear in dy and piecewise constant in y
    grad: (ddy, y) => ({ dy: () => fusedGrad(FUSED[0]!, ddy, y), y: () => tf.zerosLike(y) }),
  },
];

function fusedGrad(f: Fused, dy: Tensor, y: Tensor): Tensor {
  return tf.engine().runKernel(f.kernel, { dy, y }) as Tensor;
}

let kernelsRegistered = false;

function registerKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  for (const f of FUSED) {
    tf.registerKernel({
      kernelName: f.kernel,
      backendName: 'tensorflow',
      kernelFunc: ({ inputs, backend }) => {
        const { dy, y } = inputs as { dy: TensorInfo; y: TensorInfo };
        const attrs = [{ name: 'T', type: ATTR_TYPE, value: TF_FLOAT }];
        return (backend as unknown as ExecutingBackend).executeSingleOutput(f.op, attrs, f.order === 'dy,y' ? [dy, y] : [y, dy]);
      },
    });
    tf.registerGradient({
      kernelName: f.kernel,
      inputsToSave: ['dy', 'y'],
      gradFunc: (ddy, saved) => {
        const [dy, y] = saved as [Tensor, Tensor];
        return f.grad(ddy as Tensor, y, dy);
      },
    });
  }
}

function fusedConfig(f: Fused, original: GradConfig): GradConfig {
  return {
    kernelName: f.forward,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const [y] = saved as [Tensor];
      if (tf.getBackend() === 'tensorflow' && (dy as Tensor).dtype === 'float32' && y.dtype === 'float32')
        return { x: () => fusedGrad(f, dy as Tensor, y) };
      // elsewhere the original gradient, which reads the input only through its sign: the output's is the same
      return original.gradFunc(dy, [y], attrs);
    },
  };
}

let users = 0;
let originals: GradConfig[] = [];

/**
 * Uses the fused gradients until the returned function is called (fits
 * nest: the originals come back when the last one ends). Does nothing off
 * the native backend.
 */
export function useFusedGradients(): () => void {
  if (!activeNativeBackend()) return () => undefined;
  if (users++ === 0) {
    registerKernels();
    originals = FUSED.map((f) => tf.getGradient(f.forward));
    FUSED.forEach((f, i) => tf.registerGradient(fusedConfig(f, originals[i]!)));
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) originals.forEach((g) => tf.registerGradient(g));
  };
}

/** Runs `fn` with the fused gradients (see `useFusedGradients`). */
export async function withFusedGradients<T>(fn: () => Promise<T>): Promise<T> {
  const release = useFusedGradients();
  try {
    return await fn();
  } finally {
    release();
  }
}
