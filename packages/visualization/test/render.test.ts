import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '@tfsim/test-utils';
import sharp from 'sharp';

import { checkOutputPath, checkScale, renderVegaLite, svgToPng, writeOutput } from '../src/render';

describe('chart rendering', () => {
  const dir = tempDir('tfsim-render-');

  it('takes a scale in (0, 16], 2 by default, and names a bad one', () => {
    expect(checkScale(undefined)).toBe(2);
    expect(checkScale(0.5)).toBe(0.5);
    expect(checkScale(16)).toBe(16);
    for (const bad of [0, -1, 17, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkScale(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_VALUE', message: `scale must be a number in (0, 16], got ${bad}` }),
      );
    }
  });

  it('rasterises an SVG at scale pixels per SVG pixel', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="4"><rect width="10" height="4" fill="#ff0000"/></svg>';
    const { png, width, height } = await svgToPng(svg, 3);
    expect([width, height]).toEqual([30, 12]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([30, 12]);
    expect(Array.from(data.subarray(0, 3))).toEqual([255, 0, 0]);
  });

  it('writes output by the extension of the path, creating folders, and refuses one it cannot tell', async () => {
    const svgPath = join(dir, 'a', 'b', 'chart.SVG');
    await writeOutput(svgPath, { svg: '<svg/>', png: Buffer.from([1]) });
    expect(readFileSync(svgPath, 'utf8')).toBe('<svg/>');
    await writeOutput(join(dir, 'chart.png'), { svg: '<svg/>', png: Buffer.from([1, 2]) });
    expect(Array.from(readFileSync(join(dir, 'chart.png')))).toEqual([1, 2]);
    await expect(writeOutput(join(dir, 'chart.html'), { svg: '<svg/>', png: Buffer.from([1]) })).rejects.toThrow(
      /chart\.html": cannot tell the format from its extension; use \.svg or \.png/,
    );
    expect(existsSync(join(dir, 'chart.html'))).toBe(false);
    expect(() => checkOutputPath('x.jpg', ['.png', '.svg'])).toThrow(
      /"x\.jpg": cannot tell the format from its extension; use \.png or \.svg/,
    );
    expect(() => checkOutputPath('x.PNG', ['.png', '.svg'])).not.toThrow();
  });

  it('renders a Vega-Lite spec headlessly to SVG and PNG, and lets the caller inspect the view', async () => {
    const chart = await renderVegaLite(
      {
        width: 40,
        height: 20,
        data: {
          values: [
            { x: 1, y: 2 },
            { x: 3, y: 4 },
          ],
        },
        mark: 'point',
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      { scale: 1 },
      (view) => view.data('source_0').length,
    );
    expect(chart.inspected).toBe(2);
    expect(chart.svg.startsWith('<svg')).toBe(true);
    const meta = await sharp(chart.png).metadata();
    expect([meta.width, meta.height]).toEqual([chart.width, chart.height]);
    expect(chart.width).toBeGreaterThan(40);
    await expect(renderVegaLite({ mark: 'point', data: { values: [] } }, { path: 'chart.gif' })).rejects.toThrow(/chart\.gif/);
  });
});
