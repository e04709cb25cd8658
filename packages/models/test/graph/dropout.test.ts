/**
 * Stateless Dropout on the native backend: masks drawn by TensorFlow's
 * StatelessRandomUniform, different at each step and call site, the same in
 * graph and eager steps (the step number is a variable fed to the graph);
 * tfjs' own dropout elsewhere; layers restored and no tensors left after.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';
import { dropoutSeed, statelessDropout } from '../../src/graph/dropout';
import { GraphTrainer } from '../../src/graph/graph-trainer';

const native = testBackends().includes('tensorflow');
const describeNative = native ? describe : describe.skip;

/** A Dropout layer applied twice per step to ones; returns the two outputs of each of `steps` steps (graph or eager). */
function masks(graph: boolean, steps: number, seed: number): { outputs: Float32Array[][]; graphSteps: number } {
  const input = tfl.input({ shape: [64] });
  const layer = tfl.layers.dropout({ rate: 0.25 });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  const dropout = statelessDropout([model], seed)!;
  const step = dropout.wrap(([x]) => [model.apply(x!, { training: true }) as tf.Tensor, model.apply(x!, { training: true }) as tf.Tensor]);
  const optimizer = tf.train.sgd(0.1);
  const trainer = new GraphTrainer(step, optimizer, () => undefined);
  const outputs: Float32Array[][] = [];
  const x = tf.ones([2, 64]);
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
