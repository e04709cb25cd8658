/** fitProgress, as a user of @tfsim/losses alone calls it: a plain tfjs-layers fit. */
import { Writable } from 'node:stream';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend } from '@tfsim/test-utils';

import { fitProgress, TripletLoss } from '../src';

function captured(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Writable & { text: () => string };
  stream.text = () => chunks.join('');
  return stream;
}

describeEachBackend('fitProgress in a plain tfjs fit', () => {
  it('draws one bar per epoch, full at the end, with the epoch loss that fit returns', async () => {
    const input = tfl.input({ shape: [4] });
    const output = tfl.layers
      .dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) })
      .apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const loss = new TripletLoss({ distance: 'euclidean', margin: 2 });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: loss.lossFunction });
    const x = tf.tensor2d(Array.from({ length: 24 }, (_, i) => [i % 3, (i * 7) % 5, 1, i / 24]));
    // tfjs-layers checks targets against the output shape: labels tiled across the 3 columns.
    const y = tf.tile(
      tf.tensor2d(
        Array.from({ length: 24 }, (_, i) => i % 3),
        [24, 1],
      ),
      [1, 3],
    );
    const stream = captured();
    {
      const history = await model.fit(x, y, {
        epochs: 2,
        batchSize: 8,
        shuffle: false,
        verbose: 0,
        callbacks: fitProgress({ epochs: 2, stepsPerEpoch: 3, stream, enabled: true }),
      });
      const lines = stream
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\r').pop()!.replace('\x1b[K', ''));
      const losses = history.history.loss as number[];
      expect(lines).toHaveLength(2);
      lines.forEach((line, epoch) => {
        expect(line).toMatch(
          new RegExp(`^epoch ${epoch + 1}/2 \\[=+\\] 3/3 in \\d+\\.\\ds loss ${losses[epoch]!.toFixed(4).replace('.', '\\.')}$`),
        );
      });
      expect(stream.text()).not.toMatch(/batch|size/);
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});
