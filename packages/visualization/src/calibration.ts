import { assertFinite, checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';
import type { TopLevelSpec } from 'vega-lite';

import { type Chart, CHART_OPTION_KEYS, type ChartOptions, FONT, renderVegaLite } from './render';

/** One cutpoint of a calibration: its distance threshold and the metrics there. */
export interface Cutpoint {
  distance: number;
  /** The calibration metric's value at this distance. */
  value?: number;
  name?: string;
  [metric: string]: number | string | undefined;
}

/**
 * What a calibration returns (the Python library's CalibrationResults):
 * `thresholds.distance` ascending, and for each metric its value at each of
 * those distances (`value` repeats the calibration metric); `cutpoints` maps
 * a name ('optimal', '0.90', ...) to the metrics at its distance.
 */
export interface CalibrationCurve {
  thresholds: Readonly<Record<string, ArrayLike<number>>>;
  cutpoints?: Readonly<Record<string, Cutpoint>>;
}

export interface CalibrationChartOptions extends ChartOptions {
  /**
   * Name of the calibration metric, drawn thicker. Default: the metric whose
   * values equal `thresholds.value`, else the first one.
   */
  calibrationMetric?: string;
  /** Plot size in SVG pixels. Default 560 x 340. */
  width?: number;
  height?: number;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Draws the calibration metric and the extra metrics against the distance
 * threshold, with a dashed rule and a labelled dot at each cutpoint.
 */
const CALIBRATION_OPTION_KEYS: OptionKeys<CalibrationChartOptions> = {
  ...CHART_OPTION_KEYS,
  calibrationMetric: true,
  width: true,
  height: true,
};

export async function calibrationCurve(curve: CalibrationCurve, opts: CalibrationChartOptions = {}): Promise<Chart> {
  checkOptions(opts, CALIBRATION_OPTION_KEYS, 'calibrationCurve');
  const thresholds = curve?.thresholds;
  if (!thresholds || typeof thresholds !== 'object')
    throw new ValueError('calibration curve needs thresholds: {distance: [...], <metric>: [...]}');
  const distance = thresholds.distance;
  if (!distance) throw new ValueError(`thresholds has no "distance" array; it has ${Object.keys(thresholds).join(', ') || 'nothing'}`);
  if (distance.length === 0) throw new ValueError('thresholds.distance is empty: nothing to draw');
  assertFinite(distance, 'thresholds.distance');
  let metrics = Object.keys(thresholds).filter((k) => k !== 'distance' && k !== 'value');
  for (const k of [...metrics, 'value']) {
    const v = thresholds[k];
    if (v === undefined) continue;
    if (v.length !== distance.length) {
      throw new ShapeError(`thresholds.${k} has ${v.length} values but thresholds.distance has ${distance.length}; one value per distance`);
    }
    assertFinite(v, `thresholds.${k}`);
  }
  const value = thresholds.value;
  if (value && !metrics.some((k) => sameValues(thresholds[k]!, value))) metrics = [...metrics, 'value'];
  if (metrics.length === 0) throw new ValueError('thresholds has no metric besides "distance"');
  let main = opts.calibrationMetric;
  if (main !== undefined && !metrics.includes(main)) {
    throw new ValueError(`calibrationMetric "${main}" is not in thresholds (${metrics.join(', ')})`);
  }
  main ??= (value && metrics.find((k) => sameValues(thresholds[k]!, value))) || metrics[0]!;

  const points: Array<{ distance: number; metric: string; value: number }> = [];
  for (const m of metrics) {
    const v = thresholds[m]!;
    for (let i = 0; i < distance.length; i++) points.push({ distance: distance[i]!, metric: m, value: v[i]! });
  }
  const cuts = Object.entries(curve.cutpoints ?? {}).map(([key, cp], i) => {
    if (!cp || !Number.isFinite(cp.distance))
      throw new ValueError(`cutpoints.${key}.distance must be a finite number, got ${cp?.distance}`);
    const at = typeof cp[main] === 'number' ? (cp[main] as number) : cp.value;
    const name = cp.name ?? key;
    const summary = `${name}: distance ${cp.distance.toFixed(4)}${at !== undefined ? `, ${main} ${at.toFixed(4)}` : ''}`;
    return { distance: cp.distance, value: at ?? null, name, summary, row: i };
  });

  const width = opts.width ?? 560;
  const height = opts.height ?? 340;
  const x = { field: 'distance', type: 'quantitative' as const, title: 'distance threshold', scale: { zero: true } };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: cuts.length
      ? { text: opts.title ?? 'Calibration', subtitle: cuts.map((c) => c.summary), subtitleFontSize: 12 }
      : (opts.title ?? 'Calibration'),
    width,
    height,
    background: 'white',
    padding: 8,
    config: { font: FONT },
    layer: [
      {
        data: { values: points },
        mark: { type: 'line' },
        encoding: {
          x,
          y: {
            field: 'value',
            type: 'quantitative',
            title: 'metric value',
            scale: { domain: [0, 1], clamp: false, zero: true, nice: false },
          },
          color: { field: 'metric', type: 'nominal', title: 'metric', sort: metrics, scale: { scheme: 'category10' } },
          strokeWidth: { condition: { test: `datum.metric === ${JSON.stringify(main)}`, value: 3 }, value: 1.5 },
        },
      },
      ...(cuts.length
        ? [
            {
              data: { values: cuts },
              mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#555555' },
              encoding: { x },
            },
            {
              data: { values: cuts.filter((c) => c.value !== null) },
              mark: { type: 'point' as const, filled: true, size: 70, color: '#212121' },
              encoding: { x, y: { field: 'value', type: 'quantitative' as const } },
            },
            {
              data: { values: cuts },
              mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 11, color: '#212121' },
              encoding: { x, y: { field: 'row', type: 'quantitative' as const, scale: null }, text: { field: 'name' } },
              transform: [{ calculate: `${height - 10} - 14 * datum.row`, as: 'row' }],
            },
          ]
        : []),
    ],
  };
  const { inspected: _unused, ...chart } = await renderVegaLite(spec, { scale: opts.scale, path: opts.path });
  return chart;
}
