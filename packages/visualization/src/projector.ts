import { readFileSync } from 'node:fs';

import {
  assertFinite,
  assertInteger,
  checkOptions,
  createProgress,
  type Matrix,
  type MatrixLike,
  matrixRow,
  type OptionKeys,
  Rng,
  ShapeError,
  toMatrix,
  ValueError,
} from '@tfsim/utils';
import { UMAP } from 'umap-js';

import { classColors, colormapTable, pastel } from './colors';
import { type ImageBatchLike, type PixelRange, resolveRange, toImageBatch, toRaster } from './images';
import { type ClassMapping, className } from './labels';
import { applyColormap, escapeXml, pngDataUrl, rasterToPng } from './raster';
import { checkOutputPath, FONT, writeOutput } from './render';

export interface ProjectorOptions {
  /** One class id per embedding; colours the points and fills the legend. */
  labels?: ArrayLike<number>;
  /** Class id to name. */
  classMapping?: ClassMapping;
  /**
   * One set name per embedding, e.g. `'index'` or `'query'`: each set gets its
   * own point shape and a legend entry with its count.
   */
  groups?: ArrayLike<string>;
  /**
   * The class ids the model was trained on: points of the other classes are
   * drawn as outlines (hollow), so unseen classes stand out. Needs `labels`.
   */
  knownClasses?: ArrayLike<number>;
  /** One image per embedding, shown when the pointer rests on its point. */
  images?: ImageBatchLike;
  /** Images are scaled to fit this many pixels. Default 64. */
  imageSize?: number;
  /** How pixel values map to black and white. Default 'auto'. */
  range?: PixelRange;
  /** Colour map for grayscale images. Default 'gray'. */
  cmap?: string;
  /** Extra lines in the tooltip: name to one value per embedding. */
  tooltipsInfo?: Readonly<Record<string, ArrayLike<string | number>>>;
  /**
   * Point diameter in screen pixels. Default 6 (the Python library's 3 is
   * hard to point at with a mouse).
   */
  ptSize?: number;
  /** Colour points by class. Default true (when labels are given). */
  colorize?: boolean;
  /** How pale the class colours are: each channel c in [0, 1] becomes (c + f) / (1 + f). Default 0.1, the Python library's. */
  pastelFactor?: number;
  /**
   * The Python library's `densmap` (UMAP's density-preserving variant,
   * default True there). umap-js has no densMAP, so only `false` (plain UMAP,
   * the default here) is accepted: `true` is an error rather than a silent
   * plain UMAP.
   */
  densmap?: boolean;
  /** Side of the square plot in pixels. Default 600. */
  plotSize?: number;
  /** 'umap' reduces to 2-D; 'none' takes 2-D embeddings as they are. Default 'umap'. */
  method?: 'umap' | 'none';
  /** UMAP neighbourhood size (clamped below the number of points). Default 15. */
  nNeighbors?: number;
  /** UMAP minimum distance between embedded points. Default 0.1. */
  minDist?: number;
  /** UMAP optimisation epochs. Default: umap-js' choice (500 below 10,000 points, else 200). */
  nEpochs?: number;
  /** Seed of the projection's random numbers: same seed, same picture. Default 0. */
  seed?: number;
  /** Page title. Default 'Embedding projector'. */
  title?: string;
  /** 'svg' draws each point as an element; 'canvas' is faster for many points. Default 'svg' up to 5,000 points. */
  renderer?: 'svg' | 'canvas';
  /** Also write the page here (`.html`). */
  path?: string;
}

export interface Projection {
  /** A self-contained page: Vega, the data and the images are inlined, nothing is fetched. */
  html: string;
  /** The 2-D position of each embedding. */
  coords: Matrix;
  /** Class names in legend order, and the colour of each. */
  classes: string[];
  colors: Record<string, string>;
}

function umap2d(m: Matrix, opts: ProjectorOptions): Float32Array {
  const out = new Float32Array(m.rows * 2);
  if (m.rows === 1) return out;
  const nNeighbors = opts.nNeighbors ?? 15;
  assertInteger(nNeighbors, 'nNeighbors', 1);
  const minDist = opts.minDist ?? 0.1;
  if (!(minDist >= 0) || !Number.isFinite(minDist)) throw new ValueError(`minDist must be a finite number >= 0, got ${minDist}`);
  if (opts.nEpochs !== undefined) assertInteger(opts.nEpochs, 'nEpochs', 1);
  const rng = new Rng(opts.seed ?? 0);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(nNeighbors, m.rows - 1),
    minDist,
    ...(opts.nEpochs !== undefined ? { nEpochs: opts.nEpochs } : {}),
    random: () => rng.next(),
  });
  const rows = Array.from({ length: m.rows }, (_, i) => Array.from(matrixRow(m, i)));
  const epochs = umap.initializeFit(rows);
  const progress = createProgress({ label: 'projecting (UMAP)', total: epochs });
  for (let e = 0; e < epochs; e++) {
    umap.step();
    progress.tick();
  }
  progress.done();
  umap.getEmbedding().forEach((p, i) => {
    out[i * 2] = p[0]!;
    out[i * 2 + 1] = p[1]!;
  });
  return out;
}

function extent(values: Float32Array, offset: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = offset; i < values.length; i += 2) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const pad = hi > lo ? (hi - lo) * 0.05 : 1;
  return [lo - pad, hi + pad];
}

const PROJECTOR_OPTION_KEYS: OptionKeys<ProjectorOptions> = {
  labels: true,
  groups: true,
  knownClasses: true,
  classMapping: true,
  images: true,
  imageSize: true,
  range: true,
  cmap: true,
  tooltipsInfo: true,
  ptSize: true,
  colorize: true,
  pastelFactor: true,
  densmap: true,
  plotSize: true,
  method: true,
  nNeighbors: true,
  minDist: true,
  nEpochs: true,
  seed: true,
  title: true,
  renderer: true,
  path: true,
};

/**
 * Projects embeddings to 2-D with UMAP (seeded) and writes an interactive
 * page: points coloured by class, the example's image, class and id on
 * hover, a legend whose entries hide and show their class, wheel zoom, drag
 * pan and double-click reset. The Python library's `projector`, as a file.
 */
export async function projector(embeddings: MatrixLike, opts: ProjectorOptions = {}): Promise<Projection> {
  checkOptions(opts, PROJECTOR_OPTION_KEYS, 'projector');
  if (opts.path) checkOutputPath(opts.path, ['.html', '.htm']);
  const m = toMatrix(embeddings, { name: 'embeddings' });
  const n = m.rows;
  const method = opts.method ?? 'umap';
  if (method !== 'umap' && method !== 'none') throw new ValueError(`method must be 'umap' or 'none', got ${String(method)}`);
  if (opts.densmap !== undefined && opts.densmap !== false) {
    throw new ValueError(
      "densmap is not available: umap-js (the projection used here) has no densMAP; pass densmap: false (plain UMAP, the default here) or project with umap-learn and pass the 2-D points with method: 'none'",
    );
  }
  const pastelFactor = opts.pastelFactor ?? 0.1;
  pastel([], pastelFactor);
  if (method === 'none' && m.cols !== 2) throw new ShapeError(`method 'none' needs 2-D embeddings, got ${m.cols} dimensions`);
  const labels = opts.labels;
  if (labels) {
    if (labels.length !== n) throw new ShapeError(`labels has ${labels.length} entries but embeddings has ${n} rows`);
    assertFinite(labels, 'labels');
  }
  const groups = opts.groups ? Array.from(opts.groups, String) : undefined;
  if (groups && groups.length !== n) throw new ShapeError(`groups has ${groups.length} entries but embeddings has ${n} rows`);
  if (opts.knownClasses && !labels) throw new ValueError('knownClasses needs labels: it marks the classes of the labels');
  const known = opts.knownClasses ? new Set(Array.from(opts.knownClasses)) : undefined;
  const info = Object.entries(opts.tooltipsInfo ?? {});
  for (const [k, v] of info) {
    if (v.length !== n) throw new ShapeError(`tooltipsInfo.${k} has ${v.length} entries but embeddings has ${n} rows`);
  }
  const plotSize = opts.plotSize ?? 600;
  if (!(plotSize >= 50) || !Number.isFinite(plotSize)) throw new ValueError(`plotSize must be a number >= 50, got ${plotSize}`);
  const ptSize = opts.ptSize ?? 6;
  if (!(ptSize > 0) || !Number.isFinite(ptSize)) throw new ValueError(`ptSize must be a positive number, got ${ptSize}`);
  const imageSize = opts.imageSize ?? 64;
  assertInteger(imageSize, 'imageSize', 4);

  let images: string[] | undefined;
  if (opts.images !== undefined) {
    const batch = toImageBatch(opts.images, 'images');
    if (batch.length !== n) throw new ShapeError(`images has ${batch.length} images but embeddings has ${n} rows`);
    const range = resolveRange(batch, opts.range);
    const lut = colormapTable(opts.cmap ?? 'gray');
    const progress = createProgress({ label: 'encoding images', total: n });
    images = [];
    // A few at a time: sharp encodes on libuv's thread pool.
    for (let start = 0; start < n; start += 32) {
      const chunk = batch.slice(start, start + 32);
      const pngs = await Promise.all(chunk.map((img) => rasterToPng(applyColormap(toRaster(img, range), lut), imageSize)));
      for (const { png } of pngs) images.push(pngDataUrl(png));
      progress.tick(chunk.length);
    }
    progress.done();
  }

  const coords = method === 'umap' ? umap2d(m, opts) : Float32Array.from(m.data);
  const names = labels ? Array.from(labels, (l) => className(l, opts.classMapping)) : undefined;
  // Legend in class-id order.
  const byId = labels ? [...new Set(Array.from(labels))].sort((a, b) => a - b) : [];
  const classes = [...new Set(byId.map((l) => className(l, opts.classMapping)))];
  const palette = pastel(classColors(classes.length), pastelFactor);
  const colors = Object.fromEntries(classes.map((c, i) => [c, palette[i]!]));
  const colorize = (opts.colorize ?? true) && classes.length > 0;

  // Sets in order of first appearance, each with its count: "index (200)".
  const groupNames = groups ? [...new Set(groups)] : [];
  const groupSizes = groupNames.map((g) => groups!.filter((x) => x === g).length);
  const groupLabel = new Map(groupNames.map((g, i) => [g, `${g} (${groupSizes[i]})`]));
  const points = Array.from({ length: n }, (_, i) => {
    const p: Record<string, unknown> = { id: i, x: coords[i * 2], y: coords[i * 2 + 1], label: names ? names[i] : '' };
    if (groups) p.group = groupLabel.get(groups[i]!);
    if (known && labels) p.unseen = !known.has(labels[i]!);
    if (images) p.image = images[i];
    if (info.length) p.info = info.map(([k, v]) => [k, String(v[i])]);
    return p;
  });
  const unseenClasses = known ? byId.filter((l) => !known.has(l)).length : 0;
  const spec = projectorSpec({
    points,
    classes,
    colors: palette,
    colorize,
    plotSize,
    ptSize,
    xext: extent(coords, 0),
    yext: extent(coords, 1),
    groups: [...groupLabel.values()],
    marksUnseen: known !== undefined,
  });
  const renderer = opts.renderer ?? (n <= 5000 ? 'svg' : 'canvas');
  const title = opts.title ?? 'Embedding projector';
  const summary = pageSummary({
    method,
    n,
    groupCounts: groupNames.map((g, i) => `${groupSizes[i]} ${g}`),
    classes: classes.length,
    ...(known ? { unseenClasses } : {}),
  });
  const html = projectorPage({ spec, title, renderer, summary });
  if (opts.path) await writeOutput(opts.path, { html });
  return { html, coords: { data: coords, rows: n, cols: 2 }, classes, colors };
}

interface SpecInput {
  points: Array<Record<string, unknown>>;
  classes: string[];
  colors: string[];
  colorize: boolean;
  plotSize: number;
  ptSize: number;
  xext: [number, number];
  yext: [number, number];
  /** Set labels with their counts ("index (200)"), in order of first appearance. */
  groups: string[];
  /** Points carry `unseen`: draw those as outlines. */
  marksUnseen: boolean;
}

const SHAPES = ['circle', 'triangle-up', 'square', 'diamond', 'cross', 'triangle-down'];
const UNSEEN_LEGEND = ['known class (filled)', 'unseen class (outline)'];

/** "UMAP projection of 574 points (200 index, 374 query), 10 classes (4 unseen)". */
export function pageSummary(p: {
  method: 'umap' | 'none';
  n: number;
  groupCounts: string[];
  classes: number;
  unseenClasses?: number;
}): string {
  const points = `${p.n} point${p.n === 1 ? '' : 's'}${p.groupCounts.length > 1 ? ` (${p.groupCounts.join(', ')})` : ''}`;
  const classes = p.classes
    ? `, ${p.classes} class${p.classes === 1 ? '' : 'es'}${p.unseenClasses !== undefined ? ` (${p.unseenClasses} unseen in training)` : ''}`
    : '';
  return `${p.method === 'umap' ? 'UMAP projection of ' : ''}${points}${p.method === 'none' ? ' as given (2-D)' : ''}${classes}`;
}

/** Class colours (click to hide), set shapes, and filled vs outlined for known vs unseen classes. */
function projectorLegends(s: SpecInput): object[] {
  const hiddenTest = "indata('hidden', 'value', datum.value)";
  const legends: object[] = [];
  if (s.colorize) {
    legends.push({
      fill: 'color',
      title: 'class (click to hide)',
      orient: 'right',
      symbolType: 'circle',
      ...(s.classes.length > 30 ? { columns: Math.ceil(s.classes.length / 30) } : {}),
      encode: {
        symbols: {
          name: 'legendSymbol',
          interactive: true,
          update: { opacity: { signal: `${hiddenTest} ? 0.2 : 1` }, size: { value: 120 }, cursor: { value: 'pointer' } },
        },
        labels: {
          name: 'legendLabel',
          interactive: true,
          update: { opacity: { signal: `${hiddenTest} ? 0.35 : 1` }, cursor: { value: 'pointer' } },
        },
      },
    });
  }
  if (s.groups.length > 1) legends.push({ shape: 'shape', title: 'set', orient: 'right' });
  if (s.marksUnseen) {
    legends.push({
      fill: 'unseenFill',
      title: 'class in training',
      orient: 'right',
      symbolType: 'circle',
      encode: { symbols: { update: { stroke: { value: '#616161' }, strokeWidth: { value: 1.5 } } } },
    });
  }
  return legends;
}

/** The Vega spec: a zoomable scatter plot whose legend toggles classes. */
function projectorSpec(s: SpecInput): object {
  const area = Math.round(s.ptSize * s.ptSize);
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: s.plotSize,
    height: s.plotSize,
    padding: 8,
    autosize: 'pad',
    background: 'white',
    config: { text: { font: FONT }, legend: { labelFont: FONT, titleFont: FONT, labelFontSize: 12 } },
    signals: [
      { name: 'xext', value: s.xext },
      { name: 'yext', value: s.yext },
      {
        name: 'down',
        value: null,
        on: [
          { events: 'mousedown', update: 'xy()' },
          { events: 'window:mouseup', update: 'null' },
        ],
      },
      { name: 'xcur', value: null, on: [{ events: 'mousedown', update: 'slice(xdom)' }] },
      { name: 'ycur', value: null, on: [{ events: 'mousedown', update: 'slice(ydom)' }] },
      {
        name: 'delta',
        value: [0, 0],
        on: [{ events: '[mousedown, window:mouseup] > window:mousemove!', update: 'down ? [down[0] - x(), y() - down[1]] : [0, 0]' }],
      },
      { name: 'anchor', value: [0, 0], on: [{ events: 'wheel', update: "[invert('xscale', x()), invert('yscale', y())]" }] },
      { name: 'zoom', value: 1, on: [{ events: 'wheel!', force: true, update: 'pow(1.001, event.deltaY * pow(16, event.deltaMode))' }] },
      {
        name: 'xdom',
        update: 'slice(xext)',
        on: [
          {
            events: { signal: 'delta' },
            update: 'xcur ? [xcur[0] + span(xcur) * delta[0] / width, xcur[1] + span(xcur) * delta[0] / width] : xdom',
          },
          { events: { signal: 'zoom' }, update: '[anchor[0] + (xdom[0] - anchor[0]) * zoom, anchor[0] + (xdom[1] - anchor[0]) * zoom]' },
          { events: 'dblclick', update: 'slice(xext)' },
        ],
      },
      {
        name: 'ydom',
        update: 'slice(yext)',
        on: [
          {
            events: { signal: 'delta' },
            update: 'ycur ? [ycur[0] + span(ycur) * delta[1] / height, ycur[1] + span(ycur) * delta[1] / height] : ydom',
          },
          { events: { signal: 'zoom' }, update: '[anchor[1] + (ydom[0] - anchor[1]) * zoom, anchor[1] + (ydom[1] - anchor[1]) * zoom]' },
          { events: 'dblclick', update: 'slice(yext)' },
        ],
      },
      {
        name: 'clicked',
        value: null,
        on: [{ events: '@legendSymbol:click, @legendLabel:click', update: '{value: datum.value}', force: true }],
      },
    ],
    data: [
      { name: 'hidden', values: [], on: [{ trigger: 'clicked', toggle: 'clicked' }] },
      { name: 'visible', values: s.points, transform: [{ type: 'filter', expr: "!indata('hidden', 'value', datum.label)" }] },
    ],
    scales: [
      { name: 'xscale', type: 'linear', zero: false, nice: false, domain: { signal: 'xdom' }, range: 'width' },
      { name: 'yscale', type: 'linear', zero: false, nice: false, domain: { signal: 'ydom' }, range: 'height' },
      ...(s.colorize ? [{ name: 'color', type: 'ordinal', domain: s.classes, range: s.colors }] : []),
      ...(s.groups.length > 1
        ? [{ name: 'shape', type: 'ordinal', domain: s.groups, range: s.groups.map((_, i) => SHAPES[i % SHAPES.length]) }]
        : []),
      ...(s.marksUnseen ? [{ name: 'unseenFill', type: 'ordinal', domain: UNSEEN_LEGEND, range: ['#616161', '#ffffff'] }] : []),
    ],
    legends: projectorLegends(s),
    marks: [
      {
        type: 'rect',
        encode: {
          enter: {
            x: { value: 0 },
            y: { value: 0 },
            width: { signal: 'width' },
            height: { signal: 'height' },
            stroke: { value: '#bdbdbd' },
            fill: { value: 'transparent' },
          },
        },
      },
      {
        type: 'symbol',
        name: 'points',
        from: { data: 'visible' },
        clip: true,
        encode: {
          enter: {
            shape: s.groups.length > 1 ? { scale: 'shape', field: 'group' } : { value: 'circle' },
            tooltip: { signal: '{id: datum.id}' },
          },
          update: {
            x: { scale: 'xscale', field: 'x' },
            y: { scale: 'yscale', field: 'y' },
            size: { value: area },
            // Points of classes unseen in training: white inside, outlined in the class colour.
            fill: [
              ...(s.marksUnseen ? [{ test: 'datum.unseen', value: '#ffffff' }] : []),
              s.colorize ? { scale: 'color', field: 'label' } : { value: '#1f77b4' },
            ],
            fillOpacity: { value: 0.85 },
            stroke: s.marksUnseen
              ? [{ test: 'datum.unseen', ...(s.colorize ? { scale: 'color', field: 'label' } : { value: '#1f77b4' }) }, { value: null }]
              : { value: null },
            strokeWidth: { value: 1.5 },
          },
          hover: { size: { value: area * 4 }, stroke: { value: '#000000' }, strokeWidth: { value: 1.5 }, fillOpacity: { value: 1 } },
        },
      },
    ],
  };
}

let vegaSource: string | undefined;
function inlineVega(): string {
  // The browser build, inlined so that the page needs no network.
  vegaSource ??= readFileSync(require.resolve('vega/build/vega.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  return vegaSource;
}

/** JSON safe to put inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function projectorPage(p: { spec: object; title: string; renderer: string; summary: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(p.title)}</title>
<style>
  body { font-family: ${FONT}; margin: 16px; color: #212121; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .help { color: #616161; font-size: 13px; margin: 0 0 8px; }
  #chart { display: inline-block; user-select: none; }
  #tooltip { position: fixed; pointer-events: none; background: #fff; border: 1px solid #ababab; border-radius: 4px;
    padding: 6px; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,.2); z-index: 10; }
  #tooltip img { display: block; margin: 0 auto 4px; image-rendering: pixelated; }
  #tooltip[hidden] { display: none; }
</style>
</head>
<body>
<h1>${escapeXml(p.title)}</h1>
<p class="help">${escapeXml(p.summary)}. Scroll to zoom, drag to pan, double-click to reset; click a class in the legend to hide or show it.</p>
<div id="chart"></div>
<div id="tooltip" hidden><img id="tooltip-image" alt=""><div id="tooltip-info"></div><div>Class: <span id="tooltip-class"></span></div><div>ID: <span id="tooltip-id"></span></div></div>
<script>${inlineVega()}</script>
<script type="application/json" id="spec">${scriptJson(p.spec)}</script>
<script>
(function () {
  var spec = JSON.parse(document.getElementById('spec').textContent);
  var tip = document.getElementById('tooltip');
  var img = document.getElementById('tooltip-image');
  var extra = document.getElementById('tooltip-info');
  function show(event, datum) {
    if (datum.image) { img.src = datum.image; img.hidden = false; } else { img.removeAttribute('src'); img.hidden = true; }
    extra.textContent = '';
    (datum.info || []).forEach(function (kv) {
      var line = document.createElement('div');
      line.textContent = kv[0] + ': ' + kv[1];
      extra.appendChild(line);
    });
    document.getElementById('tooltip-class').textContent = datum.label === '' ? 'none' : datum.label;
    document.getElementById('tooltip-id').textContent = String(datum.id);
    tip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth) x = event.clientX - r.width - 14;
    if (y + r.height > window.innerHeight) y = event.clientY - r.height - 14;
    tip.style.left = Math.max(0, x) + 'px';
    tip.style.top = Math.max(0, y) + 'px';
  }
  var view = new vega.View(vega.parse(spec), { renderer: ${JSON.stringify(p.renderer)}, container: '#chart', hover: true });
  view.tooltip(function (_handler, event, item, value) {
    if (value == null || !item || !item.datum) { tip.hidden = true; return; }
    show(event, item.datum);
  });
  window.projector = { view: view, ready: view.runAsync().then(function () { document.body.setAttribute('data-ready', 'true'); }) };
})();
</script>
</body>
</html>
`;
}
