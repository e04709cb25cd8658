import { ShapeError, ValueError } from '@tfsim/utils';

import { pageSummary, projector } from '../src/projector';
import { blobs, decodePng, pageSpec } from './helpers';

describe('projector', () => {
  it('writes a self-contained page carrying each point, label and image', async () => {
    const embeddings = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const images = { data: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.floor(i / 64) / 3), shape: [4, 8, 8] };
    const p = await projector(embeddings, {
      method: 'none',
      labels: [3, 1, 3, 2],
      classMapping: { 1: 'one', 2: 'two', 3: 'three' },
      images,
      imageSize: 32,
      tooltipsInfo: { file: ['a.png', 'b.png', 'c.png', 'd.png'] },
    });
    expect(Array.from(p.coords.data)).toEqual([0, 0, 1, 0, 0, 1, 1, 1]);
    expect(p.classes).toEqual(['one', 'two', 'three']); // class-id order
    expect(Object.keys(p.colors)).toEqual(p.classes);
    // Nothing is fetched: no external scripts, styles or images.
    expect(p.html).not.toMatch(/<script[^>]+src=/);
    expect(p.html).not.toMatch(/<link/);
    expect(p.html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(p.html).toContain("default-src 'none'");
    const points = pageSpec(p.html).data.find((d) => d.name === 'visible')!.values!;
    expect(points.map((d) => d.label)).toEqual(['three', 'one', 'three', 'two']);
    expect(points.map((d) => [d.x, d.y])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(points[1]!.info).toEqual([['file', 'b.png']]);
    for (let i = 0; i < 4; i++) {
      const url = points[i]!.image as string;
      expect(url.startsWith('data:image/png;base64,')).toBe(true);
      const img = await decodePng(Buffer.from(url.slice(22), 'base64'));
      expect([img.width, img.height]).toEqual([32, 32]); // 8 px x 4
      const level = Math.round((i / 3) * 255);
      expect(img.at(16, 16)).toEqual([level, level, level]);
    }
  });

  it('pales the class colours by pastelFactor (default 0.1, as Python) and refuses densmap, which umap-js lacks', async () => {
    const embeddings = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const base = await projector(embeddings, { method: 'none', labels: [0, 1, 2], pastelFactor: 0 });
    const byDefault = await projector(embeddings, { method: 'none', labels: [0, 1, 2] });
    const pale = await projector(embeddings, { method: 'none', labels: [0, 1, 2], pastelFactor: 1, densmap: false });
    const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    for (const c of base.classes) {
      const [b, d, p] = [base, byDefault, pale].map((x) => channels(x.colors[c]!));
      b!.forEach((v, k) => {
        expect(d![k]).toBe(Math.round(((v / 255 + 0.1) / 1.1) * 255));
        expect(p![k]).toBe(Math.round(((v / 255 + 1) / 2) * 255));
      });
    }
    // the page draws the colours it reports
    expect(pale.html).toContain(pale.colors[pale.classes[0]!]!);
    await expect(projector(embeddings, { method: 'none', densmap: true })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/densmap is not available: umap-js/),
    });
    await expect(projector(embeddings, { method: 'none', pastelFactor: -1 })).rejects.toMatchObject({ code: 'ERR_VALUE' });
  });

  it('projects with UMAP, the same picture for the same seed, classes kept apart', async () => {
    const { embeddings, labels } = blobs(120, 4, 8, 3);
    const a = await projector(embeddings, { labels, seed: 7, nEpochs: 150 });
    const b = await projector(embeddings, { labels, seed: 7, nEpochs: 150 });
    const c = await projector(embeddings, { labels, seed: 8, nEpochs: 150 });
    expect(Array.from(a.coords.data)).toEqual(Array.from(b.coords.data));
    expect(Array.from(a.coords.data)).not.toEqual(Array.from(c.coords.data));
    // Each point's nearest neighbour in the picture is of its own class.
    const xy = a.coords.data;
    let same = 0;
    for (let i = 0; i < labels.length; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < labels.length; j++) {
        if (j === i) continue;
        const d = (xy[i * 2]! - xy[j * 2]!) ** 2 + (xy[i * 2 + 1]! - xy[j * 2 + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (labels[best] === labels[i]) same++;
    }
    expect(same / labels.length).toBeGreaterThanOrEqual(0.95);
  });

  it('handles one and two points', async () => {
    expect(Array.from((await projector([[1, 2, 3]])).coords.data)).toEqual([0, 0]);
    const two = await projector(
      [
        [1, 2, 3],
        [3, 2, 1],
      ],
      { labels: [0, 1] },
    );
    expect(two.coords.rows).toBe(2);
    expect(Number.isFinite(two.coords.data[3])).toBe(true);
  });

  it('rejects mismatched lengths, mixed image shapes and empty input clearly', async () => {
    const e = [
      [0, 0],
      [1, 1],
    ];
    await expect(projector([], {})).rejects.toThrow(ShapeError);
    await expect(projector([[0, 1], [0]])).rejects.toThrow(/embeddings: row 1 has 1 values/);
    await expect(projector(e, { labels: [0] })).rejects.toThrow(/labels has 1 entries but embeddings has 2 rows/);
    await expect(projector(e, { images: [[[0]]] })).rejects.toThrow(/images has 1 images but embeddings has 2 rows/);
    await expect(projector(e, { images: [[[0]], [[0, 1]]] })).rejects.toThrow(/images\[1\] is 1x2x1, images\[0\] is 1x1x1/);
    await expect(projector(e, { images: [] })).rejects.toThrow(ValueError);
    await expect(projector(e, { tooltipsInfo: { file: ['a'] } })).rejects.toThrow(ShapeError);
    await expect(projector([[0, 0, 0]], { method: 'none' })).rejects.toThrow(/2-D embeddings/);
    await expect(projector(e, { path: 'page.png' })).rejects.toThrow(/\.html/);
    await expect(projector(e, { method: 'tsne' as never })).rejects.toThrow(ValueError);
  });
});

describe('projector options', () => {
  it('rejects an unknown key with a suggestion', async () => {
    await expect(projector([[0, 1]], { pt_size: 3 } as never)).rejects.toThrow(
      "unknown option 'pt_size' for projector; did you mean 'ptSize'?",
    );
  });
});

describe('projector: index vs query, known vs unseen classes', () => {
  const embeddings = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
    [2, 2],
  ];
  const labels = [0, 1, 0, 7, 7];

  it('gives each set a shape with its count and draws unseen classes as outlines, with legends', async () => {
    const p = await projector(embeddings, {
      method: 'none',
      labels,
      groups: ['index', 'index', 'query', 'query', 'query'],
      knownClasses: [0, 1],
    });
    const spec = pageSpec(p.html) as unknown as {
      data: Array<{ name: string; values?: Array<Record<string, unknown>> }>;
      scales: Array<{ name: string; domain: unknown; range: unknown }>;
      legends: Array<Record<string, unknown>>;
      marks: Array<{ name?: string; encode: { enter: Record<string, unknown>; update: Record<string, unknown> } }>;
    };
    const points = spec.data.find((d) => d.name === 'visible')!.values!;
    expect(points.map((d) => d.group)).toEqual(['index (2)', 'index (2)', 'query (3)', 'query (3)', 'query (3)']);
    expect(points.map((d) => d.unseen)).toEqual([false, false, false, true, true]);
    expect(spec.scales.find((s) => s.name === 'shape')).toMatchObject({
      domain: ['index (2)', 'query (3)'],
      range: ['circle', 'triangle-up'],
    });
    expect(spec.scales.find((s) => s.name === 'unseenFill')).toMatchObject({ domain: ['known class (filled)', 'unseen class (outline)'] });
    expect(spec.legends.map((l) => l.title)).toEqual(['class (click to hide)', 'set', 'class in training']);
    const mark = spec.marks.find((m) => m.name === 'points')!;
    expect(mark.encode.enter.shape).toEqual({ scale: 'shape', field: 'group' });
    expect(mark.encode.update.fill).toEqual([
      { test: 'datum.unseen', value: '#ffffff' },
      { scale: 'color', field: 'label' },
    ]);
    expect(mark.encode.update.stroke).toEqual([{ test: 'datum.unseen', scale: 'color', field: 'label' }, { value: null }]);
    expect(p.html).toContain('<p class="help">5 points (2 index, 3 query) as given (2-D), 3 classes (1 unseen in training). Scroll');
  });

  it('names the projection method and the true counts', () => {
    expect(pageSummary({ method: 'umap', n: 574, groupCounts: ['200 index', '374 query'], classes: 10, unseenClasses: 4 })).toBe(
      'UMAP projection of 574 points (200 index, 374 query), 10 classes (4 unseen in training)',
    );
    expect(pageSummary({ method: 'umap', n: 1, groupCounts: [], classes: 0 })).toBe('UMAP projection of 1 point');
  });

  it('without groups or known classes draws filled circles and only the class legend', async () => {
    const p = await projector(embeddings, { method: 'none', labels });
    const spec = pageSpec(p.html) as unknown as {
      legends: unknown[];
      marks: Array<{ name?: string; encode: { enter: Record<string, unknown> } }>;
    };
    expect(spec.legends).toHaveLength(1);
    expect(spec.marks.find((m) => m.name === 'points')!.encode.enter.shape).toEqual({ value: 'circle' });
  });

  it('rejects groups of the wrong length and knownClasses without labels', async () => {
    await expect(projector(embeddings, { groups: ['index'] })).rejects.toThrow(
      new ShapeError('groups has 1 entries but embeddings has 5 rows'),
    );
    await expect(projector(embeddings, { knownClasses: [0] })).rejects.toThrow(
      new ValueError('knownClasses needs labels: it marks the classes of the labels'),
    );
  });
});
