import { assertFinite, checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';
import type { TopLevelSpec } from 'vega-lite';

import { type Chart, CHART_OPTION_KEYS, type ChartOptions, FONT, renderVegaLite } from './render';

/** Per-epoch values by name (`loss`, `val_loss`, ...), or a training History object holding them. */
export type HistoryLike =
  | Readonly<Record<string, ArrayLike<number>>>
  | { readonly history: Readonly<Record<string, ArrayLike<number>>>; readonly epoch?: ArrayLike<number> };

export interface HistoryChartOptions extends ChartOptions {
  /** Size of each panel in SVG pixels. Default 300 x 200. */
  width?: number;
  height?: number;
  /** Panels per row. Default 2. */
  columns?: number;
}

/**
 * Draws loss and metrics per epoch: one panel per quantity, training and
 * validation (`val_` prefix) as two lines. Takes the History that
 * `model.fit` returns (epochs counted from 0 there, shown from 1) or a plain
 * record of arrays.
 */
const HISTORY_OPTION_KEYS: OptionKeys<HistoryChartOptions> = { ...CHART_OPTION_KEYS, width: true, height: true, columns: true };

export async function trainingHistory(history: HistoryLike, opts: HistoryChartOptions = {}): Promise<Chart> {
  checkOptions(opts, HISTORY_OPTION_KEYS, 'trainingHistory');
  if (!history || typeof history !== 'object') throw new ValueError('history must be a record of per-epoch arrays or a History object');
  const series = ('history' in history && typeof history.history === 'object' ? history.history : history) as Record<
    string,
    ArrayLike<number>
  >;
  const epochs = 'history' in history && typeof history.history === 'object' ? (history.epoch as ArrayLike<number> | undefined) : undefined;
  const keys = Object.keys(series);
  if (keys.length === 0) throw new ValueError('history is empty: no loss or metric recorded');
  const length = series[keys[0]!]!.length;
  for (const k of keys) {
    const v = series[k];
    if (!v || typeof v.length !== 'number') throw new ShapeError(`history.${k} must be an array of numbers`);
    if (v.length !== length) throw new ShapeError(`history.${k} has ${v.length} epochs but history.${keys[0]} has ${length}`);
    assertFinite(v, `history.${k}`);
  }
  if (length === 0) throw new ValueError('history has no epoch');
  if (epochs && epochs.length !== length) throw new ShapeError(`history.epoch has ${epochs.length} entries but the series have ${length}`);

  const quantities: string[] = [];
  const values: Array<{ epoch: number; quantity: string; split: string; value: number }> = [];
  for (const k of keys) {
    const validation = k.startsWith('val_');
    const quantity = validation ? k.slice(4) : k;
    if (!quantities.includes(quantity)) quantities.push(quantity);
    const v = series[k]!;
    for (let i = 0; i < length; i++) {
      values.push({ epoch: (epochs ? epochs[i]! : i) + 1, quantity, split: validation ? 'validation' : 'training', value: v[i]! });
    }
  }
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Training history',
    background: 'white',
    padding: 8,
    config: { font: FONT },
    data: { values },
    facet: { field: 'quantity', type: 'nominal', sort: quantities, title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } },
    columns: Math.min(opts.columns ?? 2, quantities.length),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: opts.width ?? 300,
      height: opts.height ?? 200,
      mark: { type: 'line', point: length <= 40 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: {
          field: 'split',
          type: 'nominal',
          title: null,
          scale: { domain: ['training', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
        },
      },
    },
  };
  const { inspected: _unused, ...chart } = await renderVegaLite(spec, { scale: opts.scale, path: opts.path });
  return chart;
}
