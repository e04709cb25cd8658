/**
 * actsPerBatch: which callbacks make fit bring the weights out of
 * TensorFlow's session after every graph step (those with batch-level hooks),
 * and, on the native backend, that an epoch-only callback spares the
 * per-batch syncs while still seeing the trained weights at each epoch's end.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { testBackends } from '@tfsim/test-utils';

import { actsPerBatch } from '../../src/graph/batch-sync';
import { GraphTrainer } from '../../src/graph/graph-trainer';
import { buildMlp, clustersTensor, makeClusters } from '../fixture';

class EpochOnly extends tfl.Callback {
  override async onEpochEnd(): Promise<void> {}
}
class PerBatch extends tfl.Callback {
  override async onBatchEnd(): Promise<void> {}
}
class BeforeBatch extends tfl.Callback {
  override async onBatchBegin(): Promise<void> {}
}

describe('actsPerBatch', () => {
  it('a Callback subclass: only when it overrides onBatchBegin or onBatchEnd', () => {
    expect(actsPerBatch(new EpochOnly())).toBe(false);
    expect(actsPerBatch(new PerBatch())).toBe(true);
    expect(actsPerBatch(new BeforeBatch())).toBe(true);
    expect(actsPerBatch(tfl.callbacks.earlyStopping({ monitor: 'loss' }))).toBe(false);
    expect(actsPerBatch(new tfl.History())).toBe(false);
  });

  it('a CustomCallback or its plain arguments: only with onBatchBegin, onBatchEnd or onYield', () => {
    const noop = async () => undefined;
    expect(actsPerBatch(new tfl.CustomCallback({ onEpochEnd: noop, onTrainEnd: noop }))).toBe(false);
    expect(actsPerBatch(new tfl.CustomCallback({ onBatchEnd: noop }))).toBe(true);
    expect(actsPerBatch(new tfl.CustomCallback({ onBatchBegin: noop }))).toBe(true);
    expect(actsPerBatch(new tfl.CustomCallback({ onYield: noop }))).toBe(true);
    expect(actsPerBatch({ onEpochBegin: noop })).toBe(false);
    expect(actsPerBatch({ onBatchEnd: noop })).toBe(true);
    expect(actsPerBatch({ onYield: noop })).toBe(true);
  });
});

(testBackends().includes('tensorflow') ? describe : describe.skip)(
  'fit syncs per batch only for batch-level callbacks [tensorflow]',
  () => {
    const data = makeClusters(3, 4, 40); // 10 batches of 16 per epoch
    let x: tf.Tensor;
    beforeAll(async () => {
      await tf.setBackend('tensorflow');
      x = clustersTensor(data);
    });
    afterAll(() => x.dispose());

    async function fitWith(callback: tfl.Callback): Promise<{ syncs: number; weights: Float32Array[] }> {
      const sync = jest.spyOn(GraphTrainer.prototype, 'sync');
      const model = buildMlp(data.dim);
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'multisim_loss' });
      try {
        await model.fit(x, data.y, { batchSize: 16, epochs: 2, shuffle: false, verbose: 0, callbacks: [callback] });
        return { syncs: sync.mock.calls.length, weights: model.getWeights().map((w) => w.dataSync() as Float32Array) };
      } finally {
        sync.mockRestore();
        model.dispose();
      }
    }

    it('an epoch-only callback reads the epoch-end weights without 20 per-batch syncs; a batch-level one gets them', async () => {
      const seen: Float32Array[] = [];
      const epochOnly = new (class extends tfl.Callback {
        override async onEpochEnd(): Promise<void> {
          seen.push((this.model as tfl.LayersModel).getWeights()[0]!.dataSync() as Float32Array);
        }
      })();
      const lean = await fitWith(epochOnly);
      const batchLevel = await fitWith(new PerBatch());
      // per batch: one sync after each of the 20 batches; epoch-only: at epoch ends, eager steps and the end of fit
      expect(batchLevel.syncs).toBeGreaterThanOrEqual(20);
      expect(lean.syncs).toBeLessThan(12);
      // the same training: the callback saw the final weights at the last epoch's end
      lean.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(batchLevel.weights[i]!)));
      expect(Array.from(seen[1]!)).toEqual(Array.from(lean.weights[0]!));
      expect(Array.from(seen[0]!)).not.toEqual(Array.from(seen[1]!));
    });
  },
);
