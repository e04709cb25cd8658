import { describeLoss } from '../src/supervised/flow';

/** How the report names the training loss (the report line the docs quote for the default). */
describe('describeLoss', () => {
  it('names the default as the report always has', () => {
    expect(describeLoss(undefined)).toBe('MultiSimilarityLoss (cosine)');
    expect(describeLoss({ name: 'MultiSimilarityLoss' })).toBe('MultiSimilarityLoss (cosine)');
  });

  it('names the loss, its distance and the settings given', () => {
    expect(describeLoss({ name: 'CircleLoss' })).toBe('CircleLoss (cosine)');
    expect(describeLoss({ name: 'MultiSimilarityLoss', options: { beta: 50, lmda: 1 } })).toBe(
      'MultiSimilarityLoss (cosine, beta 50, lmda 1)',
    );
    expect(describeLoss({ name: 'CircleLoss', options: { distance: 'l2', gamma: 64 } })).toBe('CircleLoss (l2, gamma 64)');
  });
});
