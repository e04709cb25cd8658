/**
 * Dropout masks from TensorFlow's StatelessRandomUniform on the native
 * backend, so that a training step has no JavaScript-side random numbers and
 * can run as a graph. The seed is (fit seed and call site, step): the step
 * number lives in an int32 variable that the step itself increments, so a
 * traced graph reads it as a fed input and returns the next value, and graph
 * and eager steps draw the same masks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainStep } from './graph-trainer';
import { type NativeBackend, activeNativeBackend } from './native';

const ATTR_TYPE = 4;
const TF_FLOAT = 1;
const TF_INT32 = 3;

interface DropoutLayer {
  rate: number;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  getNoiseShape(input: Tensor): number[] | null | undefined;
}

interface Container {
  layers?: tfl.layers.Layer[];
}

function dropoutLayers(roots: Container[]): DropoutLayer[] {
  const found = new Set<DropoutLayer>();
  const visit = (layer: tfl.layers.Layer | Container): void => {
    if ('getClassName' in layer && typeof layer.getClassName === 'function' && layer.getClassName() === 'Dropout') found.add(layer as unknown as DropoutLayer);
    for (const l of (layer as Container).layers ?? []) visit(l);
  };
  roots.forEach(visit);
  return [...found];
}

/** Whether the models under `roots` have Dropout layers. */
export function hasDropout(roots: Container[]): boolean {
  return dropoutLayers(roots).length > 0;
}

/** Uniform [0, 1) floats of `shape` from TensorFlow's StatelessRandomUniform (int32 seed of shape [2]). */
function statelessUniform(backend: NativeBackend, shape: number[], seed: Tensor): Tensor {
  return tf.tidy(() => {
    const shapeTensor = tf.tensor1d(shape, 'int32');
    const attrs = [
      { name: 'dtype', type: ATTR_TYPE, value: TF_FLOAT },
      { name: 'T', type: ATTR_TYPE, value: TF_INT32 },
      { name: 'Tseed', type: ATTR_TYPE, value: TF_INT32 },
    ];
    // read binding and ids at call time: tracing swaps the binding for a recording one
    const [meta] = backend.binding.executeOp('StatelessRandomUniform', attrs, backend.getInputTensorIds([shapeTensor, seed]), 1);
    return backend.createOutputTensor(meta!);
  });
}

/** The Dropout layers of a fit, drawing their masks statelessly until `dispose`. */
export class StatelessDropout {
  private readonly stepNumber = tf.tidy(() => tf.variable(tf.scalar(0, 'int32'), false, undefined, 'int32'));
  private callSite = 0;
  private readonly restore: Array<() => void> = [];

  constructor(
    private readonly backend: NativeBackend,
    layers: DropoutLayer[],
    private readonly seed: number,
  ) {
    for (const layer of layers) {
      const original = layer.call;
      const hadOwn = Object.prototype.hasOwnProperty.call(layer, 'call');
      layer.call = (inputs, kwargs) => {
        const input = Array.isArray(inputs) ? inputs[0]! : inputs;
        if (!(kwargs['training'] === true && layer.rate > 0 && layer.rate < 1)) return original.call(layer, inputs, kwargs);
        return this.drop(input, layer.rate, layer.getNoiseShape(input) ?? input.shape);
      };
      this.restore.push(() => {
        if (hadOwn) layer.call = original;
        else delete (layer as Partial<DropoutLayer>).call;
      });
    }
  }

  /** The step, with call sites counted from zero and the step number incremented inside it. */
  wrap(step: TrainStep): TrainStep {
    return (feeds) => {
      this.callSite = 0;
      const out = step(feeds);
      tf.tidy(() => this.stepNumber.assign(tf.add(this.stepNumber, tf.scalar(1, 'int32'))));
      return out;
    };
  }

  private drop(input: Tensor, rate: number, noiseShape: number[]): Tensor {
    // the call site keeps masks of layers (and of one layer applied twice) apart within a step
    const site = this.callSite++;
    return tf.tidy(() => {
      const seed = tf.stack([tf.scalar((this.seed * 65536 + site) | 0, 'int32'), this.stepNumber]);
      const keep = 1 - rate;
      const mask = tf.floor(tf.add(statelessUniform(this.backend, noiseShape, seed), keep));
      return tf.mul(tf.div(input, keep), mask);
    });
  }

  dispose(): void {
    this.restore.forEach((r) => r());
    this.stepNumber.dispose();
  }
}

/**
 * Makes the Dropout layers under `roots` draw stateless masks seeded by
 * `seed` on the native backend; null (tfjs' own dropout) on other backends
 * or without Dropout layers.
 */
/**
 * The fit seed of the masks: the caller's, or a fresh one per fit, so that
 * separate fits without a seed draw different masks as tfjs' dropout does
 * (it must stay below 2^15: the call site is added as seed * 65536 + site).
 */
export function dropoutSeed(seed: number | undefined): number {
  return seed ?? Math.floor(Math.random() * 32768);
}

export function statelessDropout(roots: Container[], seed: number): StatelessDropout | null {
  const backend = activeNativeBackend();
  if (!backend) return null;
  const layers = dropoutLayers(roots);
  return layers.length === 0 ? null : new StatelessDropout(backend, layers, seed);
}
