import * as tf from '@tensorflow/tfjs-core';
import { input, layers, type LayersModel, model as functionalModel } from '@tensorflow/tfjs-layers';
import { Indexer } from '@tfsim/indexer';
import { RecallAtK } from '@tfsim/retrieval-metrics';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';
import { ShapeError, StateError, UnknownNameError, ValueError } from '@tfsim/utils';

import { EvalCallback, type EvalCallbackOptions } from '../src';
import { f32, linearModel, QUERIES, QUERY_LABELS, TARGET_LABELS, TARGETS } from './fixture';

function make(options: EvalCallbackOptions = {}): EvalCallback {
  return new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, { verbose: false, ...options });
}

describeEachBackend(
  'EvalCallback input checks',
  () => {
    let model: LayersModel;
    beforeAll(() => {
      model = linearModel();
    });
    afterAll(() => model.dispose());

    it('names mismatched lengths', () => {
      expect(() => new EvalCallback(QUERIES, [0, 1, 1, 2], TARGETS, TARGET_LABELS)).toThrow(
        new ShapeError('queryLabels has 4 labels but queries has 5 examples'),
      );
      const targets = tf.tensor2d(TARGETS);
      expect(() => new EvalCallback(QUERIES, QUERY_LABELS, targets, [0, 1])).toThrow(
        new ShapeError('targetLabels has 2 labels but targets has 3 examples'),
      );
      targets.dispose();
    });

    it('rejects labels that are not integer class ids, and empty or ragged inputs', () => {
      expect(() => new EvalCallback(QUERIES, [0, 1, 1.5, 2, 3], TARGETS, TARGET_LABELS)).toThrow(
        new ValueError('queryLabels[2] (EvalCallback) is 1.5; labels must be safe integers'),
      );
      expect(() => new EvalCallback([], [], TARGETS, TARGET_LABELS)).toThrow(ShapeError);
      expect(() => new EvalCallback([[1, 0], [1]], [0, 1], TARGETS, TARGET_LABELS)).toThrow(
        new ShapeError('queries is ragged: its first entries give shape [2, 2] (4 numbers) but it holds 3'),
      );
      expect(() => new EvalCallback('abc' as never, [0], TARGETS, TARGET_LABELS)).toThrow(/queries must be a tf.Tensor or a nested array/);
    });

    it('names unknown metrics, matchers and distances when constructed', () => {
      expect(() => make({ metrics: ['binary_accuracy', 'f2score'] })).toThrow(/f2score/);
      expect(() => make({ matcher: 'match_farthest' })).toThrow(/match_farthest/);
      expect(() => make({ distance: 'cosinus' })).toThrow(UnknownNameError);
      expect(() => make({ distance: 'cosinus' })).toThrow(/cosinus/);
    });

    it('rejects a k, batch size, threshold or retrieval metric it cannot use', () => {
      expect(() => make({ k: 0 })).toThrow(/k/);
      expect(() => make({ batchSize: 1.5 })).toThrow(/batchSize/);
      expect(() => make({ distanceThresholds: [] })).toThrow(new ValueError('distanceThresholds must be a non-empty array of numbers'));
      expect(() => make({ distanceThresholds: [0.1, NaN] })).toThrow(
        new ValueError('distanceThresholds[1] (EvalCallback) is NaN; values must be numbers (not NaN)'),
      );
      expect(() => make({ retrievalMetrics: [new RecallAtK({ k: 5 })] })).toThrow(
        new ValueError('retrieval metric recall@5 needs 5 neighbours per query, but k is 1: set k >= 5'),
      );
      expect(() => make({ retrievalMetrics: [{} as never] })).toThrow(/retrievalMetrics\[0\] is object, not a RetrievalMetric/);
      expect(() => make({ metrics: [] })).toThrow(/nothing to evaluate/);
    });

    it('needs queries of both known and unknown classes to split', () => {
      expect(() => make({ knownClasses: [0, 1, 2, 3] })).toThrow(
        new ValueError('knownClasses splits the queries into 5 of known and 0 of unknown classes; each part needs at least one query'),
      );
      expect(() => make({ knownClasses: [7] })).toThrow(/0 of known and 5 of unknown/);
      expect(() => make({ knownClasses: [] })).toThrow(/at least one class/);
    });

    it('fails clearly, leaving no tensor, without a model, with a disposed input or an ambiguous multi-output model', async () => {
      await expect(make().evaluate(0)).rejects.toThrow(StateError);

      const queries = tf.tensor2d(QUERIES);
      const cb = new EvalCallback(queries, QUERY_LABELS, TARGETS, TARGET_LABELS, { verbose: false });
      cb.setModel(model);
      queries.dispose();
      await expectNoLeak(() => expect(cb.evaluate(0)).rejects.toThrow(/queries tensor was disposed/));

      const x = input({ shape: [2] });
      const twoHeads = functionalModel({
        inputs: x,
        outputs: [layers.dense({ units: 3 }).apply(x) as never, layers.dense({ units: 2 }).apply(x) as never],
      });
      const ambiguous = make();
      ambiguous.setModel(twoHeads);
      await expectNoLeak(() => expect(ambiguous.evaluate(0)).rejects.toThrow(/the model has 2 outputs: set embeddingOutput/));
      const outOfRange = make({ embeddingOutput: 2 });
      outOfRange.setModel(twoHeads);
      await expect(outOfRange.evaluate(0)).rejects.toThrow(/embeddingOutput is 2 but the model has 2 outputs/);
      const second = make({ embeddingOutput: 1 });
      second.setModel(twoHeads);
      const values = await expectNoLeak(() => second.evaluate(0));
      expect(Object.keys(values)).toEqual(['binary_accuracy']);
      twoHeads.dispose();
    });

    it("takes the distance of a SimilarityModel's own index unless given one", async () => {
      // Same neighbours under l2 on unit vectors, but sqrt(2 d_cos) puts every
      // distance above 0.02, so nothing matches at that threshold.
      const withIndex = linearModel();
      (withIndex as unknown as { indexerOrNull: Indexer }).indexerOrNull = new Indexer(2, { distance: 'euclidean' });
      const fromModel = make({ metrics: ['binary_accuracy'], distanceThresholds: [0.02] });
      fromModel.setModel(withIndex);
      expect(await fromModel.evaluate(0)).toEqual({ binary_accuracy: 0 });
      const given = make({ metrics: ['binary_accuracy'], distanceThresholds: [0.02], distance: 'cosine' });
      given.setModel(withIndex);
      expect(await given.evaluate(0)).toEqual({ binary_accuracy: f32(3 / 5) });
      withIndex.dispose();
    });
  },
  { only: ['cpu'] },
);

describe('EvalCallback options', () => {
  it('rejects an unknown key with a suggestion (Python keywords are the usual cause)', () => {
    expect(() => new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, { tb_logdir: '/tmp/x' } as never)).toThrow(
      "unknown option 'tb_logdir' for EvalCallback; did you mean 'tbLogdir'?",
    );
    expect(() => new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, { known_classes: [0] } as never)).toThrow(
      "did you mean 'knownClasses'?",
    );
  });
});
