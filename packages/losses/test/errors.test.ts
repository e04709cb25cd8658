/** Bad input gets a clear error, and leaves no tensors behind. */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';
import { ShapeError, UnknownNameError, ValueError } from '@tfsim/utils';

import {
  ArcFaceLoss,
  Barlow,
  CircleLoss,
  type MetricLoss,
  MultiNegativesRankLoss,
  PNLoss,
  ProxyAnchorLoss,
  SimCLRLoss,
  SimSiamLoss,
  SoftNearestNeighborLoss,
  SupConLoss,
  TripletLoss,
  tripletLoss,
  VicReg,
  XBM,
} from '../src';

describeEachBackend('bad input', () => {
  const labels = tf.tensor1d([0, 0, 1, 1], 'int32');
  const embeddings = tf.tensor2d([
    [1, 0],
    [0.8, 0.6],
    [0, 1],
    [0.6, 0.8],
  ]);

  it('labels and embeddings of different lengths', async () => {
    await expectNoLeak(() => {
      const three = tf.tensor1d([0, 1, 1]);
      expect(() => new TripletLoss().call(three, embeddings)).toThrow(ShapeError);
      expect(() => new TripletLoss().call(three, embeddings)).toThrow('TripletLoss: labels has 3 entries but the embeddings have 4 rows');
      expect(() => new CircleLoss().call([0, 1], embeddings)).toThrow('labels has 2 entries but the embeddings have 4 rows');
      three.dispose();
    });
  });

  it('plain labels follow the label rule of @tfsim/utils: safe integers, no strings', async () => {
    await expectNoLeak(() => {
      expect(() => new TripletLoss().call([0, 0, 1, 1.5], embeddings)).toThrow(
        new ValueError('labels[3] (TripletLoss) is 1.5; labels must be safe integers'),
      );
      expect(() => new SupConLoss().call([0, '0', 1, 1] as never, embeddings)).toThrow(/labels\[1\] \(SupConLoss\) is '0' \(a string\)/);
    });
  });

  it('embeddings that are not 2-D, labels of another shape', async () => {
    await expectNoLeak(() => {
      const flat = tf.tensor1d([1, 2, 3, 4]);
      const cube = tf.zeros([4, 2, 1]);
      const wideLabels = tf.zeros([4, 2]);
      expect(() => new PNLoss().call(labels, flat)).toThrow('PNLoss: embeddings must be 2-D [batch, dim], got shape [4]');
      expect(() => tripletLoss(labels, cube as tf.Tensor2D)).toThrow(ShapeError);
      expect(() => new TripletLoss().call(wideLabels, embeddings)).toThrow('labels must have shape [batch] or [batch, 1], got [4, 2]');
      expect(() => new TripletLoss().call(labels, [[1, 2]] as unknown as tf.Tensor)).toThrow('embeddings must be a 2-D tensor');
      tf.dispose([flat, cube, wideLabels]);
    });
  });

  it('unknown distance or mining strategy', () => {
    expect(() => new TripletLoss({ distance: 'hamming' })).toThrow(UnknownNameError);
    expect(() => new TripletLoss({ distance: 'hamming' })).toThrow('known distances: inner_product, cosine');
    expect(() => new TripletLoss({ positiveMiningStrategy: 'semi-hard' as 'hard' })).toThrow(
      "TripletLoss: unknown positiveMiningStrategy \"semi-hard\"; expected one of 'hard', 'easy'",
    );
    expect(() => new PNLoss({ negativeMiningStrategy: 'hardest' as 'hard' })).toThrow(ValueError);
    expect(() => new SimSiamLoss({ projectionType: 'euclid' as 'cosine_distance' })).toThrow('unknown projectionType');
  });

  it('a distance of the wrong kind', () => {
    expect(() => new MultiNegativesRankLoss({ distance: 'cosine' })).toThrow(
      'MultiNegativesRankLoss needs the inner_product distance (a similarity), got cosine',
    );
    expect(() => new TripletLoss({ distance: 'ip' })).toThrow(
      'TripletLoss needs a distance (smaller is closer), but inner_product is a similarity',
    );
    expect(() => new SoftNearestNeighborLoss({ distance: 'inner_product' })).toThrow(ValueError);
    const before = tf.memory().numTensors;
    expect(() => new ArcFaceLoss({ numClasses: 3, embeddingSize: 2, distance: 'l2' })).toThrow('needs the cosine distance, got euclidean');
    expect(() => new ProxyAnchorLoss({ numClasses: 3, embeddingSize: 2, distance: 'l1' })).toThrow(
      'needs the cosine distance, got manhattan',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad numbers and options', () => {
    expect(() => new SupConLoss({ temperature: 0 })).toThrow('SupConLoss: temperature must be > 0, got 0');
    expect(() => new TripletLoss({ margin: Number.NaN })).toThrow('margin must be a finite number');
    expect(() => new XBM(new TripletLoss(), { memorySize: 0 })).toThrow('memorySize must be an integer >= 1, got 0');
    expect(() => new XBM(new SimCLRLoss() as unknown as MetricLoss, { memorySize: 4 })).toThrow('XBM wraps a metric loss');
    expect(() => new ArcFaceLoss({ numClasses: 0, embeddingSize: 2 })).toThrow('numClasses must be an integer >= 1');
  });

  it('class-weight losses: labels outside [0, numClasses), embeddings of another size', async () => {
    const loss = new ArcFaceLoss({ numClasses: 2, embeddingSize: 2, seed: 1 });
    const proxy = new ProxyAnchorLoss({ numClasses: 2, embeddingSize: 3, seed: 1 });
    const outOfRange = tf.tensor1d([0, 1, 2, 1]);
    await expectNoLeak(() => {
      expect(() => loss.call(outOfRange, embeddings)).toThrow('ArcFaceLoss: label 2 at position 2 is not a class index in [0, 2)');
      expect(() => loss.call([0, 1, 0.5, 1], embeddings)).toThrow('labels[2] (ArcFaceLoss) is 0.5; labels must be safe integers');
      expect(() => proxy.call(labels, embeddings)).toThrow('embeddings have dimension 2, the loss was built for 3');
    });
    tf.dispose([outOfRange]);
    loss.dispose();
    proxy.dispose();
  });

  it('self-supervised views of different shapes', async () => {
    const a = tf.zeros([4, 3]);
    const b = tf.zeros([4, 2]);
    const single = tf.zeros([1, 3]);
    await expectNoLeak(() => {
      expect(() => new SimCLRLoss().call(a, b)).toThrow('SimCLRLoss: the two views must have the same shape, got [4, 3] and [4, 2]');
      expect(() => new Barlow().call(a, b)).toThrow(ShapeError);
      expect(() => new VicReg().call(single, single)).toThrow('VicReg: needs a batch of at least 2 rows, got 1');
    });
    tf.dispose([a, b, single]);
  });

  it('keys: labels without embeddings, or of another dimension', () => {
    expect(() => tripletLoss(labels, embeddings, { keyLabels: [0, 1] })).toThrow('keyLabels and keyEmbeddings go together');
    const keys = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => tripletLoss(labels, embeddings, { keyLabels: [0, 1], keyEmbeddings: keys })).toThrow(
      'keyEmbeddings have dimension 3 but embeddings have 2',
    );
    const twoKeys = tf.zeros([2, 2]);
    expect(() => new MultiNegativesRankLoss().call(embeddings, twoKeys)).toThrow('each of the 4 queries needs its own key');
    tf.dispose([keys, twoKeys]);
  });
});
