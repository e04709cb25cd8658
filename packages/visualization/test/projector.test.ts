import { ShapeError, ValueError } from '@tfsim/utils';
import { projector } from '../src/projector';
import { blobs, decodePng, pageSpec } from './helpers';

describe('projector', () => {
  it('writes a self-contained page carrying each point, label and image', async () => {
    const embeddings = [[0, 0], [1, 0], [0, 1], [1, 1]];
    const images = { data: Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.floor(i / 64) / 3), shape: [4, 8, 8] };
    const p = await projector(embeddings, {
      method: 'none', labels: [3, 1, 3, 2], classMapping: { 1: 'one', 2: 'two', 3: 'three' }, images, imageSize: 32,
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
    expect(points.map((d) => [d.x, d.y])).toEqual([[0, 0], [1, 0], [0, 1], [1, 1]]);
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
    const two = await projector([[1, 2, 3], [3, 2, 1]], { labels: [0, 1] });
    expect(two.coords.rows).toBe(2);
    expect(Number.isFinite(two.coords.data[3])).toBe(true);
  });

  it('rejects mismatched lengths, mixed image shapes and empty input clearly', async () => {
    const e = [[0, 0], [1, 1]];
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
    await expect(projector([[0, 1]], { pt_size: 3 } as never)).rejects.toThrow("unknown option 'pt_size' for projector; did you mean 'ptSize'?");
  });
});
