/**
 * Dropout masks and layer noise from TensorFlow's stateless random ops on the
 * native backend, so that a training step has no JavaScript-side random
 * numbers and can run as a graph: Dropout and SpatialDropout1D (their masks),
 * GaussianNoise, GaussianDropout (computed as TensorFlow.js computes them,
 * from our draws) and AlphaDropout (as Keras computes it). The seed is (fit seed and call site, step):
 * the step number lives in an int32 variable that the step itself
 * increments, so a traced graph reads it as a fed input and returns the next
 * value, and graph and eager steps draw the same numbers.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import type { TrainStep } from './graph-trainer';
import { activeNativeBackend, type NativeBackend } from './native';

const ATTR_TYPE = 4;
const TF_FLOAT = 1;
const TF_INT32 = 3;

/** The layers whose training-time randomness is drawn here, by class name. */
const RANDOM_LAYERS = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** SELU's constants, as AlphaDropout uses them. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

interface RandomLayer {
  getClassName(): string;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
  /** Dropout, GaussianDropout, AlphaDropout. */
  rate?: number;
  /** GaussianNoise. */
  stddev?: number;
  /** Dropout and SpatialDropout1D. */
  getNoiseShape?(input: Tensor): number[] | null | undefined;
  /** AlphaDropout. */
  noiseShape?: number[];
}

interface Container {
  layers?: tfl.layers.Layer[];
}

function randomLayers(roots: Container[]): RandomLayer[] {
  const found = new Set<RandomLayer>();
  const visit = (layer: tfl.layers.Layer | Container): void => {
    if ('getClassName' in layer && typeof layer.getClassName === 'function' && RANDOM_LAYERS.has(layer.getClassName()))
      found.add(layer as unknown as RandomLayer);
    for (const l of (layer as Container).layers ?? []) visit(l);
  };
  roots.forEach(visit);
  return [...found];
}

/** Whether the models under `roots` have Dropout or noise layers. */
export function hasRandomLayers(roots: Container[]): boolean {
  return randomLayers(roots).length > 0;
}

/** Floats of `shape` from TensorFlow's stateless `op` (StatelessRandomUniform: [0, 1); StatelessRandomNormal: N(0, 1)), int32 seed of shape [2]. */
function statelessRandom(
  backend: NativeBackend,
  op: 'StatelessRandomUniform' | 'StatelessRandomNormal',
  shape: number[],
  seed: Tensor,
): Tensor {
  return tf.tidy(() => {
    const shapeTensor = tf.tensor1d(shape, 'int32');
    const attrs = [
      { name: 'dtype', type: ATTR_TYPE, value: TF_FLOAT },
      { name: 'T', type: ATTR_TYPE, value: TF_INT32 },
      { name: 'Tseed', type: ATTR_TYPE, value: TF_INT32 },
    ];
    // read binding and ids at call time: tracing swaps the binding for a recording one
    const [meta] = backend.binding.executeOp(op, attrs, backend.getInputTensorIds([shapeTensor, seed]), 1);
    return backend.createOutputTensor(meta!);
  });
}

/** The Dropout and noise layers of a fit, drawing statelessly until `dispose`. */
export class StatelessDropout {
  private readonly stepNumber = tf.tidy(() => tf.variable(tf.scalar(0, 'int32'), false, undefined, 'int32'));
  private callSite = 0;
  private readonly restore: Array<() => void> = [];

  constructor(
    private readonly backend: NativeBackend,
    layers: RandomLayer[],
    private readonly seed: number,
  ) {
    for (const layer of layers) {
      const original = layer.call;
      const hadOwn = Object.prototype.hasOwnProperty.call(layer, 'call');
      layer.call = (inputs, kwargs) => {
        const input = Array.isArray(inputs) ? inputs[0]! : inputs;
        const out = kwargs['training'] === true ? this.apply(layer, input) : null;
        return out ?? original.call(layer, inputs, kwargs);
      };
      this.restore.push(() => {
        if (hadOwn) layer.call = original;
        else delete (layer as Partial<RandomLayer>).call;
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

  /** The layer's training output from our draws, as TensorFlow.js computes it from its own; null where the layer passes its input through. */
  private apply(layer: RandomLayer, input: Tensor): Tensor | null {
    const rate = layer.rate ?? 0;
    const dropsSome = rate > 0 && rate < 1;
    switch (layer.getClassName()) {
      case 'Dropout':
      case 'SpatialDropout1D':
        return dropsSome ? this.drop(input, rate, layer.getNoiseShape?.(input) ?? input.shape) : null;
      case 'GaussianNoise':
        return tf.tidy(() => tf.add(tf.mul(this.draw('StatelessRandomNormal', input.shape), layer.stddev!), input));
      case 'GaussianDropout':
        // multiplicative noise N(1, rate / (1 - rate))
        return dropsSome
          ? tf.tidy(() => tf.mul(input, tf.add(tf.mul(this.draw('StatelessRandomNormal', input.shape), Math.sqrt(rate / (1 - rate))), 1)))
          : null;
      case 'AlphaDropout':
        return dropsSome ? this.alphaDrop(input, rate, layer.noiseShape ?? input.shape) : null;
      default:
        return null;
    }
  }

  /** Stateless floats of `shape`, seeded by the call site (within the step) and the step number. */
  private draw(op: 'StatelessRandomUniform' | 'StatelessRandomNormal', shape: number[]): Tensor {
    // the call site keeps the draws of layers (and of one layer applied twice) apart within a step
    const site = this.callSite++;
    return tf.tidy(() =>
      statelessRandom(this.backend, op, shape, tf.stack([tf.scalar((this.seed * 65536 + site) | 0, 'int32'), this.stepNumber])),
    );
  }

  private drop(input: Tensor, rate: number, noiseShape: number[]): Tensor {
    return tf.tidy(() => {
      const keep = 1 - rate;
      const mask = tf.floor(tf.add(this.draw('StatelessRandomUniform', noiseShape), keep));
      return tf.mul(tf.div(input, keep), mask);
    });
  }

  /**
   * AlphaDropout as Keras defines it: dropped units set to SELU's negative
   * saturation alpha', then an affine map that keeps mean and variance.
   * (TensorFlow.js' own layer sets them to -alpha', a sign slip that breaks
   * the self-normalisation; we follow Keras.)
   */
  private alphaDrop(input: Tensor, rate: number, noiseShape: number[]): Tensor {
    return tf.tidy(() => {
      const alphaP = -SELU_ALPHA * SELU_SCALE;
      const kept = tf.cast(tf.greaterEqual(this.draw('StatelessRandomUniform', noiseShape), rate), 'float32');
      const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
      const b = -a * alphaP * rate;
      const x = tf.add(tf.mul(input, kept), tf.mul(tf.sub(1, kept), alphaP));
      return tf.add(tf.mul(x, a), b);
    });
  }

  dispose(): void {
    this.restore.forEach((r) => r());
    this.stepNumber.dispose();
  }
}

/**
 * The fit seed of the masks: the caller's, or a fresh one per fit, so that
 * separate fits without a seed draw different masks as tfjs' dropout does
 * (it must stay below 2^15: the call site is added as seed * 65536 + site).
 */
export function dropoutSeed(seed: number | undefined): number {
  return seed ?? Math.floor(Math.random() * 32768);
}

/**
 * Makes the Dropout and noise layers under `roots` draw statelessly, seeded
 * by `seed`, on the native backend; null (tfjs' own draws) on other
 * backends or without such layers.
 */
export function statelessDropout(roots: Container[], seed: number): StatelessDropout | null {
  const backend = activeNativeBackend();
  if (!backend) return null;
  const layers = randomLayers(roots);
  return layers.length === 0 ? null : new StatelessDropout(backend, layers, seed);
}
