import { F1Score } from '@tfsim/classification-metrics';
import { ValueError } from '@tfsim/utils';

import { Indexer } from '../src';

// Issue 20: one documented rule tells Python-style positional arguments from an options object.
describe('positional arguments or an options object: one rule', () => {
  const index = async (): Promise<Indexer> => {
    const i = new Indexer(2, 'l2');
    await i.batchAdd(
      [
        [0, 0],
        [1, 0],
        [0, 1],
      ],
      [0, 1, 2],
    );
    return i;
  };

  it('a plain object in the options position is the options; a class instance is positional', async () => {
    const i = await index();
    const q = [
      [0.1, 0],
      [0.9, 0],
    ];
    const byOptions = await i.calibrate(q, [0, 1], {}, { calibrationMetric: 'precision', extraMetrics: [], verbose: false });
    expect(Object.keys(byOptions.thresholds).sort()).toEqual(['distance', 'precision', 'value']);
    const byPosition = await i.calibrate(q, [0, 1], {}, new F1Score(), 1, 'match_nearest', [], 2, false);
    expect(Object.keys(byPosition.thresholds).sort()).toEqual(['distance', 'f1', 'value']);
    // null-prototype objects are plain objects too
    const bare = Object.assign(Object.create(null) as object, { noMatchLabel: -7, verbose: false });
    expect(await i.match([[9, 9]], bare)).toEqual({ optimal: [-7] });
  });

  it('an unknown key in an options object is an error naming it (not silently dropped)', async () => {
    const i = await index();
    await expect(i.match([[0, 0]], { no_match_label: -2 } as never)).rejects.toThrow(
      new ValueError("unknown option 'no_match_label' for Indexer.match; did you mean 'noMatchLabel'?"),
    );
    expect(() => new Indexer(2, { distance: 'l2', kv_store: 'memory' } as never)).toThrow(/unknown option 'kv_store' for Indexer/);
  });

  it("the constructor's distance may be a config {name}: a plain object with a name key is a distance", () => {
    expect(new Indexer(2, { name: 'euclidean' }).distance.name).toBe('euclidean');
    expect(new Indexer(2, { distance: 'manhattan' }).distance.name).toBe('manhattan');
  });
});
