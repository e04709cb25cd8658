import { assertInteger, assertSameLength, checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';
import type { ColorScheme } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

import { colorScheme } from './colors';
import { type Chart, CHART_OPTION_KEYS, type ChartOptions, FONT, renderVegaLite } from './render';

export interface ConfusionMatrixOptions extends ChartOptions {
  /** Divide each row by its sum (the share of each true class predicted as each class). Default true. */
  normalize?: boolean;
  /** Class names shown instead of the class ids: `labels[id]`. */
  labels?: readonly string[];
  /** Default 'Confusion matrix'. */
  title?: string;
  /** A continuous Vega colour scheme. Default 'blues'. */
  cmap?: string;
  /** Side of one cell in SVG pixels. Default 44. */
  cellSize?: number;
}

/** Where a cell was drawn in the PNG, in pixels. */
export interface CellBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ConfusionMatrix extends Chart {
  /**
   * `matrix[t][p]`: examples of true class t predicted as p, divided by the
   * row's sum when normalised (a row with no example stays 0).
   */
  matrix: number[][];
  /** The raw counts, whatever `normalize` says. */
  counts: number[][];
  /** Share of examples on the diagonal. */
  accuracy: number;
  misclass: number;
  /** Row and column names, in class-id order. */
  classNames: string[];
  /** `cells[t][p]`: where the cell was drawn in the PNG. */
  cells: CellBox[][];
}

function checkLabels(values: ArrayLike<number>, name: string): number {
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    assertInteger(values[i]!, `${name}[${i}]`, 0);
    if (values[i]! > max) max = values[i]!;
  }
  return max;
}

/**
 * Counts how often each true class (rows) is predicted as each class
 * (columns), as `tf.math.confusion_matrix(y_true, y_pred)` does in the Python
 * library: classes are the ids 0..max. Draws it as a heat map with the value
 * in each cell and the accuracy under the x axis.
 *
 * Note the argument order, kept from the Python function: predictions first.
 */
const CONFUSION_OPTION_KEYS: OptionKeys<ConfusionMatrixOptions> = {
  ...CHART_OPTION_KEYS,
  normalize: true,
  labels: true,
  title: true,
  cmap: true,
  cellSize: true,
};

export async function confusionMatrix(
  yPred: ArrayLike<number>,
  yTrue: ArrayLike<number>,
  opts: ConfusionMatrixOptions = {},
): Promise<ConfusionMatrix> {
  checkOptions(opts, CONFUSION_OPTION_KEYS, 'confusionMatrix');
  assertSameLength(yPred, yTrue, 'yPred', 'yTrue');
  if (yTrue.length === 0) throw new ValueError('yPred and yTrue are empty; nothing to count');
  const maxId = Math.max(checkLabels(yPred, 'yPred'), checkLabels(yTrue, 'yTrue'));
  const normalize = opts.normalize ?? true;
  let n = maxId + 1;
  if (opts.labels) {
    if (opts.labels.length < n) {
      throw new ShapeError(`labels has ${opts.labels.length} names but the class ids go up to ${maxId}; give one name per class id`);
    }
    if (new Set(opts.labels).size !== opts.labels.length) throw new ValueError('labels must be distinct class names');
    n = opts.labels.length;
  }
  const names = opts.labels ? opts.labels.map(String) : Array.from({ length: n }, (_, i) => String(i));
  const cellSize = opts.cellSize ?? 44;
  if (!(cellSize > 0 && Number.isFinite(cellSize))) throw new ValueError(`cellSize must be a positive number, got ${cellSize}`);
  const cmap = opts.cmap ?? 'blues';
  colorScheme(cmap); // unknown names fail here, with the list of known ones

  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < yTrue.length; i++) counts[yTrue[i]!]![yPred[i]!]! += 1;
  let diagonal = 0;
  for (let c = 0; c < n; c++) diagonal += counts[c]![c]!;
  const accuracy = diagonal / yTrue.length;
  const matrix = counts.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return normalize ? row.map((v) => (sum > 0 ? v / sum : 0)) : row.slice();
  });

  const max = Math.max(...matrix.flat());
  // White text on dark cells: the Python library's thresholds.
  const threshold = normalize ? max / 1.5 : max / 2;
  const values = [];
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const v = matrix[t]![p]!;
      values.push({
        true: names[t],
        predicted: names[p],
        value: v,
        text: v > 0 ? (normalize ? v.toFixed(2) : String(v)) : '0',
        ink: v > threshold,
      });
    }
  }
  const fontSize = Math.min(12, cellSize / 3.5);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Confusion matrix',
    width: n * cellSize,
    height: n * cellSize,
    background: 'white',
    padding: 8,
    config: { font: FONT, view: { stroke: null } },
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        sort: names,
        scale: { domain: names, paddingInner: 0, paddingOuter: 0 },
        axis: { title: ['Predicted label', `accuracy=${accuracy.toFixed(4)}; misclass=${(1 - accuracy).toFixed(4)}`], labelAngle: -45 },
      },
      y: {
        field: 'true',
        type: 'ordinal',
        sort: names,
        scale: { domain: names, paddingInner: 0, paddingOuter: 0 },
        axis: { title: 'True label' },
      },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            scale: { scheme: cmap as ColorScheme, domain: [0, normalize ? 1 : max] },
            legend: { title: normalize ? 'share of row' : 'count' },
          },
        },
      },
      ...(cellSize >= 16
        ? [
            {
              mark: { type: 'text' as const, baseline: 'middle' as const, align: 'center' as const, fontSize },
              encoding: { text: { field: 'text' }, color: { condition: { test: 'datum.ink', value: 'white' }, value: 'black' } },
            },
          ]
        : []),
    ],
  };
  const scale = opts.scale ?? 2;
  const chart = await renderVegaLite(spec, { scale, path: opts.path }, (view) => {
    // The drawing sits at the view's origin, itself inside the padding.
    const pad = view.padding() as { left: number; top: number };
    const ox = view.origin()[0] + pad.left;
    const oy = view.origin()[1] + pad.top;
    const xs = view.scale('x') as ((v: string) => number) & { bandwidth(): number };
    const ys = view.scale('y') as ((v: string) => number) & { bandwidth(): number };
    return names.map((tn) =>
      names.map((pn) => ({
        x: (ox + xs(pn)) * scale,
        y: (oy + ys(tn)) * scale,
        width: xs.bandwidth() * scale,
        height: ys.bandwidth() * scale,
      })),
    );
  });
  const { inspected: cells, ...drawn } = chart;
  return { ...drawn, matrix, counts, accuracy, misclass: 1 - accuracy, classNames: names, cells };
}
