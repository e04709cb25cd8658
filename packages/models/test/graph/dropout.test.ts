/**
 * Stateless Dropout and noise layers on the native backend: masks and noise
 * drawn by TensorFlow's stateless random ops, different at each step and call
 * site, the same in graph and eager steps (the step number is a variable fed
 * to the graph), with each layer's own statistics; tfjs' own draws
 * elsewhere; layers restored and no tensors left after.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';

import { dropoutSeed, statelessDropout } from '../../src/graph/dropout';
import { GraphTrainer } from '../../src/graph/graph-trainer';

const native = testBackends().includes('tensorflow');
const describeNative = native ? describe : describe.skip;

/** `layer` applied twice per step to `input`; returns the two outputs of each of `steps` steps (graph or eager). */
function draws(
  graph: boolean,
  steps: number,
  seed: number,
  layer: tfl.layers.Layer = tfl.layers.dropout({ rate: 0.25 }),
  inputShape = [2, 64],
): { outputs: Float32Array[][]; graphSteps: number } {
  const input = tfl.input({ shape: inputShape.slice(1) });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  const dropout = statelessDropout([model], seed)!;
  const step = dropout.wrap(([x]) => [model.apply(x!, { training: true }) as tf.Tensor, model.apply(x!, { training: true }) as tf.Tensor]);
  const optimizer = tf.train.sgd(0.1);
  const trainer = new GraphTrainer(step, optimizer, () => undefined);
  const outputs: Float32Array[][] = [];
  const x = tf.ones(inputShape);
  for (let i = 0; i < steps; i++) {
    const out = graph ? trainer.run([x]) : step([x]);
    outputs.push(out.map((t) => t.dataSync() as Float32Array));
    tf.dispose(out);
  }
  const graphSteps = trainer.report().graphSteps;
  expect(trainer.report().reason).toBeNull();
  trainer.dispose();
  optimizer.dispose();
  dropout.dispose();
  x.dispose();
  model.dispose();
  return { outputs, graphSteps };
}
const masks = (graph: boolean, steps: number, seed: number) => draws(graph, steps, seed);

/** Graph and eager draws of `layer` (fresh per run) over 8 steps: equal, all 16 different; returns them. */
function graphEqualsEager(make: () => tfl.layers.Layer, inputShape: number[]): Float32Array[] {
  const graph = draws(true, 8, 5, make(), inputShape);
  const eager = draws(false, 8, 5, make(), inputShape);
  expect(graph.graphSteps).toBe(5);
  graph.outputs.flat().forEach((o, k) => {
    const e = eager.outputs.flat()[k]!;
    o.forEach((v, i) => expect(v).toBeCloseTo(e[i]!, 5));
  });
  const flat = graph.outputs.flat();
  expect(new Set(flat.map((o) => Array.from(o).join(','))).size).toBe(flat.length);
  return flat;
}

function meanAndStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)];
}

describeNative('stateless Dropout [tensorflow]', () => {
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
  });

  it('graph steps draw the eager masks, new ones each step and call site, scaled by 1 / keep', async () => {
    await expectNoLeak(() => {
      const graph = masks(true, 8, 3);
      const eager = masks(false, 8, 3);
      expect(graph.graphSteps).toBe(5); // step 1 warm-up, steps 2-3 traced
      expect(graph.outputs).toEqual(eager.outputs);
      const flat = graph.outputs.flat();
      for (const o of flat) {
        for (const v of o) expect([0, 1 / 0.75]).toContainEqual(expect.closeTo(v, 6));
        const dropped = o.filter((v) => v === 0).length / o.length;
        expect(dropped).toBeGreaterThan(0.1);
        expect(dropped).toBeLessThan(0.4);
      }
      // all 16 masks (8 steps, 2 call sites) differ from one another
      const keys = new Set(flat.map((o) => Array.from(o, (v) => (v === 0 ? 0 : 1)).join('')));
      expect(keys.size).toBe(flat.length);
      // another seed, other masks
      expect(masks(false, 1, 4).outputs[0]![0]).not.toEqual(eager.outputs[0]![0]);
    });
  });

  it('GaussianNoise adds N(0, stddev) noise, drawn in the graph: graph equals eager, new noise each step and call site', async () => {
    await expectNoLeak(() => {
      const flat = graphEqualsEager(() => tfl.layers.gaussianNoise({ stddev: 0.5 }), [4, 64]);
      const [mean, std] = meanAndStd(flat.flatMap((o) => Array.from(o, (v) => v - 1)));
      // 4,096 draws: the mean within 4 standard errors, the deviation within 5%
      expect(Math.abs(mean)).toBeLessThan((4 * 0.5) / 64);
      expect(std).toBeCloseTo(0.5, 1);
      expect(Math.abs(std - 0.5)).toBeLessThan(0.025);
    });
  });

  it('GaussianDropout multiplies by N(1, rate / (1 - rate)) noise: graph equals eager', async () => {
    await expectNoLeak(() => {
      const flat = graphEqualsEager(() => tfl.layers.gaussianDropout({ rate: 0.2 }), [4, 64]);
      const [mean, std] = meanAndStd(flat.flatMap((o) => Array.from(o)));
      expect(Math.abs(mean - 1)).toBeLessThan((4 * 0.5) / 64);
      expect(Math.abs(std - 0.5)).toBeLessThan(0.025); // sqrt(0.2 / 0.8)
    });
  });

  it("AlphaDropout (as Keras: dropped units at the affine image of alpha', kept ones at a x + b) drops at the rate, keeps a standard normal standard", async () => {
    await expectNoLeak(() => {
      const rate = 0.2;
      const flat = graphEqualsEager(() => tfl.layers.alphaDropout({ rate }), [4, 64]);
      // Keras' formulas: alpha' = -1.6732632 * 1.0507010, a = ((1 - rate)(1 + rate alpha'^2))^-1/2, b = -a alpha' rate
      const alphaP = -1.6732632423543772 * 1.0507009873554805;
      const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
      const b = -a * alphaP * rate;
      const values = flat.flatMap((o) => Array.from(o));
      const kept = values.filter((v) => Math.abs(v - (a + b)) < 1e-5).length;
      const dropped = values.filter((v) => Math.abs(v - (a * alphaP + b)) < 1e-5).length;
      expect(kept + dropped).toBe(values.length);
      expect(Math.abs(dropped / values.length - rate)).toBeLessThan(0.03);
      // what a and b are for: N(0, 1) inputs keep mean 0 and deviation 1 (TensorFlow.js' -alpha' would shift them)
      const layer = tfl.layers.alphaDropout({ rate });
      const input = tfl.input({ shape: [4096] });
      const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
      const dropout = statelessDropout([model], 2)!;
      const normal = tf.randomNormal([1, 4096], 0, 1, 'float32', 11);
      const out = model.apply(normal, { training: true }) as tf.Tensor;
      const [m, sd] = meanAndStd(Array.from(out.dataSync()));
      expect(Math.abs(m)).toBeLessThan(0.06);
      expect(Math.abs(sd - 1)).toBeLessThan(0.04);
      tf.dispose([normal, out]);
      dropout.dispose();
      model.dispose();
    });
  });

  it('SpatialDropout1D drops whole channels (one mask per example and channel, shared along the steps axis)', async () => {
    await expectNoLeak(() => {
      const flat = graphEqualsEager(() => tfl.layers.spatialDropout1d({ rate: 0.5 }), [2, 5, 16]);
      for (const o of flat) {
        for (let n = 0; n < 2; n++) {
          for (let c = 0; c < 16; c++) {
            const column = Array.from({ length: 5 }, (_, t) => o[n * 80 + t * 16 + c]!);
            expect(new Set(column).size).toBe(1);
            expect([0, 2]).toContainEqual(expect.closeTo(column[0]!, 6));
          }
        }
      }
    });
  });

  it('rates outside (0, 1) and inference pass the input through, as tfjs does', () => {
    const input = tfl.input({ shape: [8] });
    const layers = [
      tfl.layers.gaussianDropout({ rate: 0 }),
      tfl.layers.alphaDropout({ rate: 1 }),
      tfl.layers.dropout({ rate: 0 }),
      tfl.layers.gaussianNoise({ stddev: 1 }),
    ];
    const models = layers.map((l) => tfl.model({ inputs: input, outputs: l.apply(input) as tfl.SymbolicTensor }));
    const dropout = statelessDropout(models, 1)!;
    const x = tf.range(0, 16).reshape([2, 8]);
    models.slice(0, 3).forEach((m) => {
      const out = m.apply(x, { training: true }) as tf.Tensor;
      expect(Array.from(out.dataSync())).toEqual(Array.from(x.dataSync()));
      out.dispose();
    });
    const inferred = models[3]!.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(inferred.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([inferred, x]);
    dropout.dispose();
    models.forEach((m) => m.dispose());
  });

  it('restores the layer on dispose (tfjs dropout again)', () => {
    const layer = tfl.layers.dropout({ rate: 0.5 });
    const input = tfl.input({ shape: [4] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const original = layer.call;
    const dropout = statelessDropout([model], 0)!;
    expect(layer.call).not.toBe(original);
    dropout.dispose();
    expect(layer.call).toBe(original);
    expect(Object.prototype.hasOwnProperty.call(layer, 'call')).toBe(false);
    model.dispose();
  });
});

describe('stateless Dropout [cpu]', () => {
  it('is not used: tfjs draws the masks', async () => {
    await tf.setBackend('cpu');
    const input = tfl.input({ shape: [4] });
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dropout({ rate: 0.5 }).apply(input) as tfl.SymbolicTensor });
    expect(statelessDropout([model], 0)).toBeNull();
    model.dispose();
  });
});

describe('dropoutSeed', () => {
  it("keeps the caller's seed, and draws a fresh one per fit otherwise (separate fits draw other masks, as tfjs' dropout does)", () => {
    expect(dropoutSeed(7)).toBe(7);
    expect(dropoutSeed(0)).toBe(0);
    const drawn = Array.from({ length: 20 }, () => dropoutSeed(undefined));
    for (const s of drawn) expect(Number.isInteger(s) && s >= 0 && s < 32768).toBe(true);
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });
});
