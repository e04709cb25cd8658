/** Losses by name, and saving a loss's config so that a saved model can recreate it. */
import * as tf from '@tensorflow/tfjs-core';
import { expectClose } from '@tfsim/test-utils';
import { UnknownNameError } from '@tfsim/utils';

import { ArcFaceLoss, deserializeLoss, getLoss, type Loss, lossNames, MultiSimilarityLoss, serializeLoss, TripletLoss, XBM } from '../src';

const ALL = [
  ['TripletLoss', 'triplet_loss'],
  ['PNLoss', 'pn_loss'],
  ['MultiSimilarityLoss', 'multisim_loss'],
  ['CircleLoss', 'circle_loss'],
  ['SoftNearestNeighborLoss', 'soft_nn_loss'],
  ['LiftedStructLoss', 'lifted_struct_loss'],
  ['MultiNegativesRankLoss', 'multineg_rank_loss'],
  ['XBM', 'xbm_loss'],
  ['SimCLRLoss', 'simclr_loss'],
  ['SimSiamLoss', 'simsiam_loss'],
  ['Barlow', 'barlow'],
  ['VicReg', 'vicreg_loss'],
  ['ArcFaceLoss', 'arcface_loss'],
  ['ContrastiveLoss', 'contrastive_loss'],
  ['SupConLoss', 'supcon_loss'],
  ['ProxyAnchorLoss', 'proxy_anchor_loss'],
  ['MinedLoss', 'mined_loss'],
  ['MultipleLosses', 'multiple_losses'],
] as const;

/** Options each loss needs to be built at all. */
function required(className: string): Record<string, unknown> {
  if (className === 'XBM') return { loss: serializeLoss(new TripletLoss()), memorySize: 16 };
  if (className === 'ArcFaceLoss' || className === 'ProxyAnchorLoss') return { numClasses: 3, embeddingSize: 4, seed: 7 };
  if (className === 'MinedLoss') return { loss: serializeLoss(new TripletLoss()), miner: { className: 'BatchHardMiner', config: {} } };
  if (className === 'MultipleLosses') return { losses: [serializeLoss(new TripletLoss())] };
  return {};
}

describe('getLoss / serializeLoss / deserializeLoss', () => {
  it('knows every loss by class name', () => {
    expect(lossNames()).toEqual(ALL.map(([c]) => c));
  });

  it.each(ALL)('%s: found by class name and by its default name (any case), with the Python default name', (className, name) => {
    const losses: Loss[] = [getLoss(className, required(className)), getLoss(name.toUpperCase(), required(className))];
    for (const loss of losses) {
      expect(loss.className).toBe(className);
      expect(loss.name).toBe(name);
      expect(typeof loss.lossFunction).toBe('function');
      expect(loss.distance.name).toEqual(expect.any(String));
      loss.dispose();
    }
  });

  it.each(ALL)('%s: round-trips through JSON to an equal config', (className) => {
    const loss = getLoss(className, required(className));
    const saved = JSON.stringify(serializeLoss(loss));
    const again = deserializeLoss(saved);
    expect(again.className).toBe(className);
    expect(again.getConfig()).toEqual(loss.getConfig());
    expect(serializeLoss(again)).toEqual(JSON.parse(saved));
    loss.dispose();
    again.dispose();
  });

  it('keeps non-default options, the soft margin as null, and the distance by canonical name', () => {
    const loss = new TripletLoss({ distance: 'L2', positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', name: 'mine' });
    expect(serializeLoss(loss)).toEqual({
      className: 'TripletLoss',
      config: { name: 'mine', distance: 'euclidean', positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: null },
    });
    const back = deserializeLoss(serializeLoss(loss)) as TripletLoss;
    expect(back.margin).toBeNull();
    expect(back.distance.name).toBe('euclidean');
  });

  it('XBM saves the loss it wraps', () => {
    const xbm = new XBM(new MultiSimilarityLoss({ alpha: 3 }), { memorySize: 32, warmupSteps: 2 });
    const back = deserializeLoss(JSON.stringify(serializeLoss(xbm))) as XBM;
    expect(back.loss).toBeInstanceOf(MultiSimilarityLoss);
    expect((back.loss as MultiSimilarityLoss).alpha).toBe(3);
    expect(back.memorySize).toBe(32);
    expect(back.warmupSteps).toBe(2);
    expect(back.distance.name).toBe('cosine');
  });

  it('a seeded class-weight loss recreates the same initial weights from its config', () => {
    const a = new ArcFaceLoss({ numClasses: 3, embeddingSize: 4, seed: 11 });
    const b = deserializeLoss(serializeLoss(a)) as ArcFaceLoss;
    expectClose(b.weights, a.weights, 0);
    const copy = a.getWeights();
    const zeros = tf.zerosLike(copy);
    b.setWeights(zeros);
    expect(Array.from(b.weights.dataSync()).every((v) => v === 0)).toBe(true);
    expect(a.trainableWeights).toEqual([a.weights]);
    tf.dispose([copy, zeros]);
    a.dispose();
    b.dispose();
  });

  it('an unknown name lists the known ones', () => {
    expect(() => getLoss('NPairsLoss')).toThrow(UnknownNameError);
    expect(() => getLoss('NPairsLoss')).toThrow('unknown loss function "NPairsLoss"; known loss functions: TripletLoss, PNLoss');
    expect(() => deserializeLoss('{"config":{}}')).toThrow('a serialized loss is {className, config}');
  });

  it('each loss carries its distance: cosine by default, sql2 for soft nearest neighbour, inner product for ranking', () => {
    expect(getLoss('TripletLoss').distance.name).toBe('cosine');
    expect(getLoss('SoftNearestNeighborLoss').distance.name).toBe('squared_euclidean');
    expect(getLoss('MultiNegativesRankLoss').distance.name).toBe('inner_product');
    expect(getLoss('ContrastiveLoss').distance.name).toBe('euclidean');
    expect(getLoss('SimCLRLoss').distance.name).toBe('cosine');
  });
});
