import { ShapeError, ValueError } from '@tfsim/utils';

import { trainingHistory } from '../src/history';
import { decodePng } from './helpers';

const lines = (svg: string) => svg.match(/<path [^>]*aria-roledescription="line mark"[^>]*>/g) ?? [];

describe('trainingHistory', () => {
  it('draws one panel per quantity with training and validation lines, epochs from 1', async () => {
    // What tf.LayersModel.fit returns: epochs counted from 0.
    const history = {
      epoch: [0, 1, 2, 3],
      history: { loss: [1, 0.6, 0.4, 0.3], val_loss: [1.2, 0.8, 0.6, 0.55], f1: [0.2, 0.5, 0.7, 0.8] },
    };
    const chart = await trainingHistory(history, { scale: 1 });
    const img = await decodePng(chart.png);
    expect([img.width, img.height]).toEqual([chart.width, chart.height]);
    const ls = lines(chart.svg);
    expect(ls).toHaveLength(3);
    expect(ls.filter((l) => l.includes('split: validation'))).toHaveLength(1);
    // Panel headers, in order of first appearance.
    expect(chart.svg.indexOf('>loss<')).toBeGreaterThan(-1);
    expect(chart.svg.indexOf('>f1<')).toBeGreaterThan(chart.svg.indexOf('>loss<'));
    // Epoch 0 is shown as 1, the last as 4.
    expect(ls[0]).toContain('epoch: 1;');
    expect(chart.svg).toContain('epoch: 4;');
    expect(chart.svg).not.toContain('epoch: 0;');
  });

  it('takes a plain record of arrays', async () => {
    const chart = await trainingHistory({ loss: Float32Array.from([0.5, 0.25]) });
    expect(lines(chart.svg)).toHaveLength(1);
  });

  it('rejects empty or uneven histories', async () => {
    await expect(trainingHistory({})).rejects.toThrow(ValueError);
    await expect(trainingHistory({ loss: [] })).rejects.toThrow(/no epoch/);
    await expect(trainingHistory({ loss: [1, 2], val_loss: [1] })).rejects.toThrow(ShapeError);
    await expect(trainingHistory({ epoch: [0], history: { loss: [1, 2] } })).rejects.toThrow(/history.epoch has 1/);
    await expect(trainingHistory({ loss: [1, Infinity] })).rejects.toThrow(ValueError);
  });
});

describe('trainingHistory options', () => {
  it('rejects an unknown key with a suggestion', async () => {
    await expect(trainingHistory({ loss: [1] }, { colums: 2 } as never)).rejects.toThrow(
      "unknown option 'colums' for trainingHistory; did you mean 'columns'?",
    );
  });
});
