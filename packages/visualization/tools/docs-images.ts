// Draws every picture in docs/visualization.md from seeded synthetic data:
//   pnpm --filter @tfsim/visualization docs:images [output folder]
// The "digits" are characters rendered at 28x28 with random shifts, turns and
// strokes; the "embeddings" are noisy class centres, some classes placed close
// together so that the neighbours, the matrix and the calibration show
// mistakes. The hello-world example redraws the same pictures from MNIST.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { type Lookup, Rng } from '@tfsim/utils';
import sharp from 'sharp';

import { calibrationCurve, confusionMatrix, type ImageArray, projector, trainingHistory, vizNeighborsImgs } from '../src';
import { chromiumAvailable, launchChromium } from './chromium';

const OUT = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'docs', 'images'));
const SIDE = 28;
const CLASSES = 10;
const DIM = 16;

/** A digit-like 28x28 grayscale image in [0, 1]: the character drawn by librsvg with random jitter. */
async function drawDigit(digit: number, rng: Rng): Promise<ImageArray> {
  const angle = rng.uniform(-15, 15);
  const dx = rng.uniform(-2, 2);
  const dy = rng.uniform(-2, 2);
  const size = rng.uniform(19, 24);
  const stroke = rng.uniform(0, 1.4);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}"><rect width="100%" height="100%" fill="black"/>` +
    `<text x="${14 + dx}" y="${22 + dy}" font-family="DejaVu Sans" font-weight="bold" font-size="${size}" text-anchor="middle" ` +
    `fill="white" stroke="white" stroke-width="${stroke}" transform="rotate(${angle} 14 14)">${digit}</text></svg>`;
  const raw = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer();
  const data = new Float32Array(SIDE * SIDE);
  for (let i = 0; i < data.length; i++) data[i] = raw[i * (raw.length / data.length)]! / 255;
  return { data, shape: [SIDE, SIDE] };
}

/** Class centres on the unit sphere; 4-9, 3-5 and 1-7 close, as a real model's would be. */
function centres(rng: Rng): number[][] {
  const c = Array.from({ length: CLASSES }, () => Array.from({ length: DIM }, () => rng.normal()));
  for (const [a, b] of [
    [4, 9],
    [3, 5],
    [1, 7],
  ] as const)
    c[b] = c[b]!.map((v, j) => 0.5 * v + 0.5 * c[a]![j]!);
  return c.map(normalise);
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function embed(label: number, centre: number[][], rng: Rng): number[] {
  return normalise(centre[label]!.map((v) => v + rng.normal(0, 0.17)));
}

const cosine = (a: number[], b: number[]): number => 1 - a.reduce((s, v, i) => s + v * b[i]!, 0);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const rng = new Rng(2024);
  const centre = centres(rng);
  const make = async (n: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % CLASSES);
    const images = await Promise.all(labels.map((l) => drawDigit(l, rng)));
    const embeddings = labels.map((l) => embed(l, centre, rng));
    return { labels, images, embeddings };
  };
  const index = await make(200);
  const queries = await make(500);

  // Brute-force nearest neighbours: a stand-in for the index's lookup.
  const lookups: Lookup[][] = queries.embeddings.map((q) =>
    index.embeddings
      .map((e, j) => ({ j, d: cosine(q, e) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map(({ j, d }, r) => ({ rank: r + 1, distance: d, label: index.labels[j]!, data: index.images[j]! })),
  );

  // 1. A query whose neighbours include another class.
  const q = lookups.findIndex((l, i) => l.slice(1).some((n) => n.label !== queries.labels[i]) && l[0]!.label === queries.labels[i]);
  await vizNeighborsImgs(queries.images[q]!, queries.labels[q]!, lookups[q]!, { path: join(OUT, 'neighbors.png') });

  // 2. Nearest-neighbour predictions against the truth.
  const predicted = lookups.map((l) => l[0]!.label as number);
  const cm = await confusionMatrix(predicted, queries.labels, {
    path: join(OUT, 'confusion-matrix.png'),
    title: 'Confusion matrix (nearest neighbour)',
  });
  await confusionMatrix(predicted, queries.labels, { path: join(OUT, 'confusion-matrix.svg') });

  // 3. Calibration of a distance threshold, as match_nearest counts it: a
  //    query is accepted when its nearest neighbour is within the threshold.
  //    Classes 8 and 9 are left out of the index here, as unseen classes would
  //    be: their queries can only be wrong, and tend to be far.
  const seen = index.embeddings.filter((_, j) => index.labels[j]! < 8);
  const seenLabels = index.labels.filter((l) => l < 8);
  const nearest = queries.embeddings.map((qe, i) => {
    let j = 0;
    seen.forEach((e, k) => {
      if (cosine(qe, e) < cosine(qe, seen[j]!)) j = k;
    });
    return { d: cosine(qe, seen[j]!), ok: seenLabels[j] === queries.labels[i] };
  });
  const distance = [...new Set(nearest.map((n) => n.d))].sort((a, b) => a - b);
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const totalOk = nearest.filter((n) => n.ok).length;
  for (const t of distance) {
    const tp = nearest.filter((n) => n.d <= t && n.ok).length;
    const fp = nearest.filter((n) => n.d <= t && !n.ok).length;
    const p = tp / (tp + fp);
    const r = tp / totalOk; // the right matches found within t, of all right matches
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  let best = 0;
  f1.forEach((v, i) => {
    if (v >= f1[best]!) best = i;
  }); // the last maximum
  const at = (i: number, name: string) => ({
    name,
    distance: distance[i]!,
    value: f1[i]!,
    f1: f1[i]!,
    precision: precision[i]!,
    recall: recall[i]!,
  });
  const target = f1.findIndex((v) => v >= 0.9); // the smallest distance that reaches f1 0.90
  await calibrationCurve(
    {
      thresholds: { distance, precision, recall, f1, value: f1 },
      cutpoints: { optimal: at(best, 'optimal'), ...(target >= 0 ? { '0.90': at(target, '0.90') } : {}) },
    },
    { path: join(OUT, 'calibration.png') },
  );

  // 4. A training run's history.
  const epochs = 20;
  const loss = Array.from({ length: epochs }, (_, e) => 0.25 + 0.9 * Math.exp(-e / 4) + rng.normal(0, 0.015));
  const valLoss = loss.map((v, e) => v + 0.05 + 0.004 * e + rng.normal(0, 0.02));
  const history = {
    epoch: Array.from({ length: epochs }, (_, e) => e),
    history: { loss, val_loss: valLoss, f1: loss.map((v) => 1.05 - v + rng.normal(0, 0.01)), val_f1: valLoss.map((v) => 1.02 - v) },
  };
  await trainingHistory(history, { path: join(OUT, 'history.png') });

  // 5. The projector: the queries' embeddings through UMAP, with their digits.
  const pageDir = mkdtempSync(join(tmpdir(), 'tfsim-projector-'));
  try {
    const page = join(pageDir, 'projector.html');
    await projector(queries.embeddings, { labels: queries.labels, images: queries.images, seed: 1, path: page });
    if (!chromiumAvailable()) {
      console.log('chromium not found: docs/images/projector.png not redrawn');
    } else {
      const browser = await launchChromium({ width: 860, height: 700 });
      try {
        const tab = await browser.context.newPage();
        await tab.goto(`file://${page}`);
        await tab.waitForSelector('body[data-ready="true"]');
        const box = (await tab.locator('#chart g.points > path').nth(123).boundingBox())!;
        await tab.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await tab.waitForSelector('#tooltip:not([hidden])');
        await tab.screenshot({ path: join(OUT, 'projector.png') });
      } finally {
        await browser.close();
      }
    }
  } finally {
    rmSync(pageDir, { recursive: true, force: true });
  }
  console.log(
    `wrote the pictures to ${OUT} (nearest-neighbour accuracy ${cm.accuracy.toFixed(3)}, ` +
      `optimal f1 ${f1[best]!.toFixed(4)} at distance ${distance[best]!.toFixed(4)})`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
