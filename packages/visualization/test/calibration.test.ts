import { ShapeError, ValueError } from '@tfsim/utils';

import { calibrationCurve } from '../src/calibration';
import { decodePng } from './helpers';

const lines = (svg: string) => svg.match(/<path [^>]*aria-roledescription="line mark"[^>]*>/g) ?? [];
const rules = (svg: string) => svg.match(/<line [^>]*aria-roledescription="rule mark"[^>]*>/g) ?? [];

// A curve as the evaluator's calibration returns it: distances ascending,
// one value per distance for each metric, `value` repeating the calibration metric.
const distance = [0, 0.2, 0.4, 0.6, 0.8, 1];
const precision = [1, 1, 0.95, 0.9, 0.8, 0.7];
const recall = [0, 0.4, 0.7, 0.9, 0.95, 1];
const f1 = precision.map((p, i) => (p + recall[i]! > 0 ? (2 * p * recall[i]!) / (p + recall[i]!) : 0));
const curve = {
  thresholds: { distance, precision, recall, f1, value: f1 },
  cutpoints: {
    optimal: { name: 'optimal', distance: 0.6, value: f1[3]!, f1: f1[3]!, precision: 0.9, recall: 0.9 },
    '0.95': { name: '0.95', distance: 0.4, value: 0.95 },
  },
};

describe('calibrationCurve', () => {
  it('draws one line per metric, the calibration metric thicker, and a rule at each cutpoint', async () => {
    const chart = await calibrationCurve(curve, { scale: 1 });
    const img = await decodePng(chart.png);
    expect([img.width, img.height]).toEqual([chart.width, chart.height]);
    const ls = lines(chart.svg);
    expect(ls).toHaveLength(3); // precision, recall, f1; `value` repeats f1
    const thick = ls.filter((l) => l.includes('stroke-width="3"'));
    expect(thick).toHaveLength(1);
    expect(thick[0]).toContain('metric: f1');
    const rs = rules(chart.svg);
    expect(rs).toHaveLength(2);
    // The x scale runs from 0 over the plot's 560 px: a rule at distance d sits at 560 d.
    const xs = rs.map((r) => Number(/translate\(([\d.]+),/.exec(r)![1])).sort((a, b) => a - b);
    expect(xs[0]).toBeCloseTo(0.4 * 560, 0);
    expect(xs[1]).toBeCloseTo(0.6 * 560, 0);
    expect(chart.svg).toContain(`optimal: distance 0.6000, f1 ${f1[3]!.toFixed(4)}`);
    expect(chart.svg).toContain('0.95: distance 0.4000, f1 0.9500');
  });

  it('plots `value` itself when it repeats no metric, and honours calibrationMetric', async () => {
    const own = await calibrationCurve({ thresholds: { distance, value: f1 } });
    expect(lines(own.svg)).toHaveLength(1);
    expect(lines(own.svg)[0]).toContain('metric: value');
    expect(rules(own.svg)).toHaveLength(0);
    const chosen = await calibrationCurve({ thresholds: { distance, precision, recall } }, { calibrationMetric: 'recall' });
    // Float32Array curves, `value` the very array of the calibration metric (what the evaluator returns).
    const f32 = Float32Array.from(f1);
    const typed = await calibrationCurve({
      thresholds: { distance: Float32Array.from(distance), f1: f32, precision: Float32Array.from(precision), value: f32 },
      cutpoints: { optimal: { name: 'optimal', value: f32[3]!, distance: Math.fround(0.6), f1: f32[3]!, precision: Math.fround(0.9) } },
    });
    expect(lines(typed.svg)).toHaveLength(2);
    expect(lines(typed.svg).filter((l) => l.includes('stroke-width="3"'))[0]).toContain('metric: f1');
    expect(rules(typed.svg)).toHaveLength(1);
    expect(lines(chosen.svg).filter((l) => l.includes('stroke-width="3"'))[0]).toContain('metric: recall');
  });

  it('rejects a curve without distances, of uneven lengths, empty, or with a bad cutpoint', async () => {
    await expect(calibrationCurve({ thresholds: { f1 } })).rejects.toThrow(/no "distance" array/);
    await expect(calibrationCurve({ thresholds: { distance, f1: [1, 2] } })).rejects.toThrow(ShapeError);
    await expect(calibrationCurve({ thresholds: { distance, f1: [1, 2] } })).rejects.toThrow(
      /thresholds.f1 has 2 values but thresholds.distance has 6/,
    );
    await expect(calibrationCurve({ thresholds: { distance: [], f1: [] } })).rejects.toThrow(ValueError);
    await expect(calibrationCurve({ thresholds: { distance } })).rejects.toThrow(/no metric/);
    await expect(calibrationCurve({ thresholds: { distance, f1 } }, { calibrationMetric: 'recall' })).rejects.toThrow(
      /calibrationMetric "recall"/,
    );
    await expect(calibrationCurve({ thresholds: { distance, f1 }, cutpoints: { optimal: { distance: NaN } } })).rejects.toThrow(
      /cutpoints.optimal.distance/,
    );
    await expect(calibrationCurve({ thresholds: { distance: [0, NaN], f1: [0, 1] } })).rejects.toThrow(ValueError);
  });
});

describe('calibrationCurve options', () => {
  it('rejects an unknown key with a suggestion', async () => {
    await expect(calibrationCurve({} as never, { calibration_metric: 'f1' } as never)).rejects.toThrow(
      "unknown option 'calibration_metric' for calibrationCurve; did you mean 'calibrationMetric'?",
    );
  });
});
