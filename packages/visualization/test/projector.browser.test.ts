// Opens the projector page in a real headless Chromium (Debian's `chromium`,
// driven by playwright-core): points drawn, hover shows image and label, the
// legend hides a class, wheel and drag move the view. Without chromium the
// suite is skipped with a message, or fails when TFSIM_REQUIRE_BROWSER=1 (CI).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { type Projection, projector } from '../src/projector';
import { CHROMIUM, chromiumAvailable, launchChromium } from '../tools/chromium';
import { blobs, decodePng } from './helpers';

const OUT = join(__dirname, '..', 'test-output');
// Page-side expressions (the page exposes its Vega view as window.projector.view).
const COUNT = "document.querySelectorAll('#chart g.points > path').length";
const XDOM = "window.projector.view.signal('xdom')";
const required = process.env.TFSIM_REQUIRE_BROWSER === '1';
const available = chromiumAvailable();

if (!available) {
  const why = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the projector page test`;
  if (required) {
    describe('projector page in Chromium', () => {
      it('needs chromium (TFSIM_REQUIRE_BROWSER=1)', () => {
        throw new Error(why);
      });
    });
  } else {
    console.log(`skipping the projector page test: ${why}`);
  }
}

const suite = available ? describe : describe.skip;

suite('projector page in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let projection: Projection;
  let labels: number[];
  let images: number[][][];
  const names = ['zero', 'one', 'two'];
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const data = blobs(60, 3, 6, 11);
    labels = data.labels;
    // Image i: an 8x8 gray square of level i / 59, so each point's image is its own.
    images = labels.map((_, i) => Array.from({ length: 8 }, () => new Array<number>(8).fill(i / 59)));
    const path = join(OUT, 'projector.html');
    projection = await projector(data.embeddings, {
      labels,
      classMapping: names,
      images,
      imageSize: 32,
      seed: 1,
      nEpochs: 100,
      path,
      title: 'Test projector',
    });
    browser = await launchChromium({ width: 960, height: 760 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${path}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const points = () => page.locator('#chart g.points > path');

  it('draws every point, no script error, no request beyond the page', async () => {
    expect(await points().count()).toBe(60);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  });

  it("shows the hovered point's image, class and id", async () => {
    // The last point drawn is on top of any other under it.
    const box = (await points().last().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
    const id = Number(await page.textContent('#tooltip-id'));
    expect(id).toBe(59);
    expect(await page.textContent('#tooltip-class')).toBe(names[labels[id]!]);
    const src = (await page.getAttribute('#tooltip-image', 'src'))!;
    const img = await decodePng(Buffer.from(src.slice('data:image/png;base64,'.length), 'base64'));
    expect([img.width, img.height]).toEqual([32, 32]);
    expect(img.at(10, 10)).toEqual([255, 255, 255]); // level 59 / 59
    expect(await page.isVisible('#tooltip-image')).toBe(true);
    writeFileSync(join(OUT, 'projector-hover.png'), await page.screenshot());
    await page.mouse.move(2, 2);
    await page.waitForSelector('#tooltip[hidden]', { state: 'attached', timeout: 5000 });
  });

  it('hides a class when its legend entry is clicked, and shows it again', async () => {
    const hiddenClass = 'one';
    const count = labels.filter((l) => names[l] === hiddenClass).length;
    const fill = projection.colors[hiddenClass]!;
    const ofClass = async () => await points().evaluateAll((els, f) => els.filter((e) => e.getAttribute('fill') === f).length, fill);
    expect(await ofClass()).toBe(count);
    await page.locator('#chart .role-legend-label text', { hasText: hiddenClass }).click();
    await page.waitForFunction(`${COUNT} === ${60 - count}`, undefined, { timeout: 5000 });
    expect(await ofClass()).toBe(0);
    writeFileSync(join(OUT, 'projector-hidden.png'), await page.screenshot());
    await page.locator('#chart .role-legend-label text', { hasText: hiddenClass }).click();
    await page.waitForFunction(`${COUNT} === 60`, undefined, { timeout: 5000 });
    expect(await ofClass()).toBe(count);
  });

  it('zooms with the wheel, pans with a drag and resets on double-click', async () => {
    const xdom = () => page.evaluate(XDOM) as Promise<number[]>;
    const start = await xdom();
    const frame = (await page.locator('#chart svg').boundingBox())!;
    const cx = frame.x + frame.width / 3;
    const cy = frame.y + frame.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(`(${XDOM})[1] - (${XDOM})[0] < ${start[1]! - start[0]!}`, undefined, { timeout: 5000 });
    const zoomed = await xdom();
    expect(zoomed[1]! - zoomed[0]!).toBeLessThan(start[1]! - start[0]!);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy, { steps: 6 });
    await page.mouse.up();
    const panned = await xdom();
    expect(panned[0]!).toBeLessThan(zoomed[0]!); // content moved right: the window looks further left
    expect(panned[1]! - panned[0]!).toBeCloseTo(zoomed[1]! - zoomed[0]!, 6);
    await page.mouse.dblclick(cx, cy);
    await page.waitForFunction(`Math.abs((${XDOM})[0] - ${start[0]!}) < 1e-9`, undefined, { timeout: 5000 });
    expect(await xdom()).toEqual(start);
    writeFileSync(join(OUT, 'projector.png'), await page.screenshot());
  });

  it('draws the same points on a canvas when asked (the default above 5,000 points)', async () => {
    const path = join(OUT, 'projector-canvas.html');
    const grid = Array.from({ length: 25 }, (_, i) => [i % 5, Math.floor(i / 5)]);
    await projector(grid, { method: 'none', labels: grid.map((_, i) => i % 2), renderer: 'canvas', path });
    const tab = await browser.context.newPage();
    const tabErrors: string[] = [];
    tab.on('pageerror', (e) => tabErrors.push(e.message));
    await tab.goto(`file://${path}`);
    await tab.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    expect(await tab.locator('#chart canvas').count()).toBe(1);
    expect(await tab.evaluate("window.projector.view.data('visible').length")).toBe(25);
    expect(tabErrors).toEqual([]);
    // Pixels, not only data: the class colours are in the plot area (left of the legend).
    const shot = await decodePng(await tab.locator('#chart canvas').screenshot());
    let coloured = 0;
    for (let y = 0; y < shot.height; y += 2) {
      for (let x = 0; x < 8 + 600; x += 2) {
        const [r, g, b] = shot.at(x, y);
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
    }
    expect(coloured).toBeGreaterThan(100); // 25 points of 6 px, about 7 samples each
    await tab.close();
  });

  it('draws each set in its own shape and unseen classes as outlines, with their legends', async () => {
    const path = join(OUT, 'projector-sets.html');
    await projector(
      [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
        [2, 2],
      ],
      {
        method: 'none',
        labels: [0, 1, 0, 7, 7],
        groups: ['index', 'index', 'query', 'query', 'query'],
        knownClasses: [0, 1],
        path,
      },
    );
    const tab = await browser.context.newPage();
    const tabErrors: string[] = [];
    tab.on('pageerror', (e) => tabErrors.push(e.message));
    await tab.goto(`file://${path}`);
    await tab.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
    const points = (await tab.evaluate(
      "Array.from(document.querySelectorAll('#chart g.points > path')).map((p) => [p.getAttribute('d'), p.getAttribute('fill')])",
    )) as Array<[string, string]>;
    expect(points).toHaveLength(5);
    // Two shapes (circle for index, triangle for query) and two hollow points (class 7, unseen).
    expect(new Set(points.map(([d]) => d)).size).toBe(2);
    expect(points.filter(([, fill]) => fill === '#ffffff')).toHaveLength(2);
    const legend = (await tab.evaluate("document.querySelector('#chart').textContent")) as string;
    for (const text of ['index (2)', 'query (3)', 'known class (filled)', 'unseen class (outline)']) expect(legend).toContain(text);
    expect(tabErrors).toEqual([]);
    await tab.close();
  });
});
