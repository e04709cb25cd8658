import { ShapeError, ValueError } from '@tfsim/utils';

import {
  buildEfficientNetSim,
  buildResNet18Sim,
  buildResNet50Sim,
  createEfficientNetBackbone,
  EFFICIENTNET_VARIANTS,
  roundFilters,
  roundRepeats,
} from '../src';

describe('builder arguments', () => {
  it('reject a malformed input shape, or images below Keras minimum of 32 for ResNet50 / EfficientNet', async () => {
    expect(() => buildResNet18Sim([32, 32] as unknown as [number, number, number])).toThrow(ShapeError);
    expect(() => buildResNet18Sim([32, 0, 3])).toThrow(
      /inputShape must be \[height, width, channels\] of positive integers, got \[32,0,3\]/,
    );
    await expect(buildResNet50Sim([16, 16, 3])).rejects.toThrow(/ResNet50Sim: images must be at least 32x32, got 16x16/);
    await expect(buildEfficientNetSim([31, 64, 3])).rejects.toThrow(ShapeError);
  });

  it('reject an unknown option key with a suggestion, before building anything', async () => {
    expect(() => buildResNet18Sim([32, 32, 3], { embedding_size: 64 } as never)).toThrow(
      "unknown option 'embedding_size' for ResNet18Sim; did you mean 'embeddingSize'?",
    );
    expect(() => buildResNet18Sim([32, 32, 3], { weights: 'imagenet' } as never)).toThrow("unknown option 'weights' for ResNet18Sim");
    await expect(buildResNet50Sim([32, 32, 3], { gem_p: 2 } as never)).rejects.toThrow("did you mean 'gemP'?");
    await expect(buildEfficientNetSim([32, 32, 3], { l2_norm: false } as never)).rejects.toThrow(
      "unknown option 'l2_norm' for EfficientNetSim; did you mean 'l2Norm'?",
    );
  });

  it('reject unknown pooling, trainable, variant and a bad embedding size', async () => {
    expect(() => buildResNet18Sim([16, 16, 3], { pooling: 'sum' as 'avg' })).toThrow(
      /pooling must be 'gem', 'avg', 'max' or null, got 'sum'/,
    );
    expect(() => buildResNet18Sim([16, 16, 3], { embeddingSize: 0 })).toThrow(ValueError);
    await expect(buildResNet50Sim([32, 32, 3], { trainable: 'some' as 'full' })).rejects.toThrow(
      /'some' is not a supported option for 'trainable'/,
    );
    await expect(buildEfficientNetSim([32, 32, 3], { variant: 'B8' as 'B0' })).rejects.toThrow(
      /unknown EfficientNet variant 'B8'; valid: B0 ... B7/,
    );
    expect(() => createEfficientNetBackbone([32, 32, 3], { width: -1, depth: 1 })).toThrow(/positive width and depth/);
  });
});

describe('EfficientNet scaling rules (Keras round_filters / round_repeats)', () => {
  it('matches the filters and repeats Keras computes for each variant', () => {
    // Keras: round_filters(32) and round_filters(1280) for B0..B7, and the
    // total number of blocks (sum of round_repeats over the seven stages).
    const expected: Record<string, [number, number, number]> = {
      B0: [32, 1280, 16],
      B1: [32, 1280, 23],
      B2: [32, 1408, 23],
      B3: [40, 1536, 26],
      B4: [48, 1792, 32],
      B5: [48, 2048, 39],
      B6: [56, 2304, 45],
      B7: [64, 2560, 55],
    };
    const repeats = [1, 2, 2, 3, 3, 4, 1];
    for (const [variant, { width, depth }] of Object.entries(EFFICIENTNET_VARIANTS)) {
      const blocks = repeats.reduce((n, r) => n + roundRepeats(r, depth), 0);
      expect([roundFilters(32, width), roundFilters(1280, width), blocks]).toEqual(expected[variant]);
    }
  });
});
