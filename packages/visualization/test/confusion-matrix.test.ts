import { ShapeError, ValueError } from '@tfsim/utils';

import { colorScheme, parseColor } from '../src/colors';
import { confusionMatrix } from '../src/confusion-matrix';
import { colorDistance, decodePng } from './helpers';

// Hand-counted: true 0 -> predicted [0, 0, 1]; true 1 -> [1, 3]; true 2 -> [0, 2, 2, 2].
// Class 3 is predicted once but never true: its row is empty. Not symmetric, so
// swapping rows and columns would show.
const yTrue = [0, 0, 0, 1, 1, 2, 2, 2, 2];
const yPred = [0, 0, 1, 1, 3, 0, 2, 2, 2];
const COUNTS = [
  [2, 1, 0, 0],
  [0, 1, 0, 1],
  [1, 0, 3, 0],
  [0, 0, 0, 0],
];

describe('confusionMatrix', () => {
  it('counts true classes in rows and predictions in columns, and normalises rows (an empty row stays 0)', async () => {
    const cm = await confusionMatrix(yPred, yTrue);
    expect(cm.counts).toEqual(COUNTS);
    const expected = [
      [2 / 3, 1 / 3, 0, 0],
      [0, 0.5, 0, 0.5],
      [0.25, 0, 0.75, 0],
      [0, 0, 0, 0],
    ];
    cm.matrix.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 12)));
    expect(cm.accuracy).toBeCloseTo(6 / 9, 12);
    expect(cm.misclass).toBeCloseTo(3 / 9, 12);
    expect(cm.classNames).toEqual(['0', '1', '2', '3']);
  });

  it('keeps counts when normalize is false', async () => {
    const cm = await confusionMatrix(yPred, yTrue, { normalize: false });
    expect(cm.matrix).toEqual(COUNTS);
  });

  it('draws each cell in the colour of its value, as PNG and SVG', async () => {
    // Cell (0, 0) holds 1.0 after normalising, cell (0, 1) holds 0.
    const cm = await confusionMatrix([0, 1, 1], [0, 1, 1], { labels: ['cat', 'dog'], scale: 2 });
    const img = await decodePng(cm.png);
    expect([img.width, img.height]).toEqual([cm.width, cm.height]);
    const svgWidth = Number(/<svg[^>]* width="([\d.]+)"/.exec(cm.svg)![1]);
    expect(cm.width).toBe(Math.round(svgWidth * 2));
    const blues = colorScheme('blues');
    const probe = (t: number, p: number) => {
      const c = cm.cells[t]![p]!;
      return img.at(c.x + c.width * 0.2, c.y + c.height * 0.2); // off centre: away from the number
    };
    expect(colorDistance(probe(0, 0), parseColor(blues(1)))).toBeLessThanOrEqual(3);
    expect(colorDistance(probe(1, 1), parseColor(blues(1)))).toBeLessThanOrEqual(3);
    expect(colorDistance(probe(0, 1), parseColor(blues(0)))).toBeLessThanOrEqual(3);
    expect(colorDistance(probe(1, 0), parseColor(blues(0)))).toBeLessThanOrEqual(3);
    // Dark cells get white numbers (as in the Python library): white pixels at the centre of (0, 0).
    const c = cm.cells[0]![0]!;
    let white = 0;
    for (let y = c.y + c.height * 0.4; y < c.y + c.height * 0.6; y++) {
      for (let x = c.x + c.width * 0.3; x < c.x + c.width * 0.7; x++) if (colorDistance(img.at(x, y), [255, 255, 255]) < 40) white++;
    }
    expect(white).toBeGreaterThan(10);
    expect(cm.svg).toContain('>cat<');
    expect(cm.svg).toContain('>dog<');
    expect(cm.svg).toContain('accuracy=1.0000; misclass=0.0000');
    expect(cm.svg).toContain('>1.00<');
  });

  it('maps counts onto the colour scale from 0 to the largest count', async () => {
    const cm = await confusionMatrix(yPred, yTrue, { normalize: false, cmap: 'greens' });
    const img = await decodePng(cm.png);
    const greens = colorScheme('greens');
    const at = (t: number, p: number) => {
      const c = cm.cells[t]![p]!;
      return img.at(c.x + 3, c.y + 3);
    };
    expect(colorDistance(at(2, 2), parseColor(greens(1)))).toBeLessThanOrEqual(3); // 3 of 3
    expect(colorDistance(at(3, 0), parseColor(greens(0)))).toBeLessThanOrEqual(3); // 0
    expect(colorDistance(at(0, 1), parseColor(greens(1 / 3)))).toBeLessThanOrEqual(3); // 1 of 3
  });

  it('rejects lengths that differ, empty input, bad ids and too few names', async () => {
    await expect(confusionMatrix([0, 1], [0])).rejects.toThrow(ShapeError);
    await expect(confusionMatrix([0, 1], [0])).rejects.toThrow(/yPred and yTrue must have the same length, got 2 and 1/);
    await expect(confusionMatrix([], [])).rejects.toThrow(ValueError);
    await expect(confusionMatrix([0, -1], [0, 0])).rejects.toThrow(/yPred\[1\] must be an integer >= 0/);
    await expect(confusionMatrix([0, 1.5], [0, 0])).rejects.toThrow(ValueError);
    await expect(confusionMatrix([0, 2], [0, 0], { labels: ['a', 'b'] })).rejects.toThrow(ShapeError);
    await expect(confusionMatrix([0, 1], [0, 0], { labels: ['a', 'a'] })).rejects.toThrow(/distinct/);
    await expect(confusionMatrix([0, 1], [0, 0], { path: 'cm.gif' })).rejects.toThrow(/\.png or \.svg/);
    await expect(confusionMatrix([0, 1], [0, 0], { cmap: 'nope' })).rejects.toThrow(/nope/);
  });
});

describe('confusionMatrix options', () => {
  it('rejects an unknown key with a suggestion', async () => {
    await expect(confusionMatrix([0, 1], [0, 1], { cell_size: 10 } as never)).rejects.toThrow(
      "unknown option 'cell_size' for confusionMatrix; did you mean 'cellSize'?",
    );
  });
});
