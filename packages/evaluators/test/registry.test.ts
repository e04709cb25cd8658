import { RecallAtK } from '@tfsim/retrieval-metrics';
import type { Lookup } from '@tfsim/utils';

import { deserializeEvaluator, evaluatorName, makeEvaluator, MemoryEvaluator, registerEvaluator, serializeEvaluator } from '../src';

/** A custom evaluator: MemoryEvaluator's retrieval values, each scaled by `scale`. */
class ScaledEvaluator extends MemoryEvaluator {
  readonly scale: number;
  constructor(config: { scale?: number } = {}) {
    super();
    this.scale = config.scale ?? 1;
  }
  getConfig() {
    return { scale: this.scale };
  }
  override evaluateRetrieval(...args: Parameters<MemoryEvaluator['evaluateRetrieval']>): Record<string, number> {
    const values = super.evaluateRetrieval(...args);
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v * this.scale]));
  }
}

// two queries of class 1 and 2; the first finds its class at rank 1, the second does not
const LOOKUPS: Lookup[][] = [[{ rank: 1, distance: 0.1, label: 1 }], [{ rank: 1, distance: 0.2, label: 3 }]];

describe('evaluators by registered name', () => {
  it('"memory" is MemoryEvaluator, by name or instance', () => {
    expect(makeEvaluator('memory')).toBeInstanceOf(MemoryEvaluator);
    expect(makeEvaluator('MEMORY')).toBeInstanceOf(MemoryEvaluator);
    const ev = new MemoryEvaluator();
    expect(makeEvaluator(ev)).toBe(ev);
    expect(evaluatorName(ev)).toBe('memory');
    expect(serializeEvaluator(ev)).toEqual({ className: 'memory', config: {} });
  });

  it('saves a registered custom evaluator as its name and config and restores one that computes the same', () => {
    expect(registerEvaluator(ScaledEvaluator, { name: 'scaled' })).toBe('scaled');
    const original = new ScaledEvaluator({ scale: 10 });
    const saved = serializeEvaluator(original);
    expect(saved).toEqual({ className: 'scaled', config: { scale: 10 } });
    const restored = deserializeEvaluator(JSON.parse(JSON.stringify(saved)));
    expect(restored).toBeInstanceOf(ScaledEvaluator);
    // recall@1 = 1/2, scaled by 10
    expect(restored.evaluateRetrieval([1, 2], LOOKUPS, [new RecallAtK({ k: 1 })])).toEqual({ 'recall@1': 5 });
    expect(makeEvaluator('scaled')).toBeInstanceOf(ScaledEvaluator);
  });

  it('an unregistered name says how to register it; a non-evaluator is refused', () => {
    class Mine extends MemoryEvaluator {}
    expect(evaluatorName(new Mine())).toBe('Mine');
    expect(() => deserializeEvaluator(serializeEvaluator(new Mine()))).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_NAME',
        message: expect.stringMatching(/unknown evaluator "Mine"; known evaluators: memory, scaled\. .*registerEvaluator\(Mine\)/),
      }),
    );
    expect(() => makeEvaluator({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(/registered name \(memory, scaled\) or an Evaluator/) }),
    );
    expect(() => registerEvaluator(ScaledEvaluator)).toThrow(/already registered/);
  });
});
