import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '@tfsim/test-utils';

import { ConsoleLogger, JsonlLogger } from '../src';
import type * as Loggers from '../src/loggers';

describe('loggers', () => {
  const dir = tempDir();

  it('write non-finite values to JSON lines as strings, appending to an existing file', async () => {
    const file = join(dir, 'a', 'b', 'log.jsonl');
    const logger = new JsonlLogger(file);
    await logger.write(0, { precision: NaN, distance: Infinity, recall: 0.5 });
    await new JsonlLogger(file).write(1, { recall: 0.25 });
    const records = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.epoch, r.metrics])).toEqual([
      [0, { precision: 'NaN', distance: 'Infinity', recall: 0.5 }],
      [1, { recall: 0.25 }],
    ]);
    expect(() => new JsonlLogger('')).toThrow(/jsonlPath/);
  });

  it('print the epoch from 1, with the total when known', () => {
    const lines: string[] = [];
    const fit: { epochs?: number } = {};
    const logger = new ConsoleLogger(
      (l) => lines.push(l),
      () => fit.epochs,
    );
    logger.write(0, { f1score: 2 / 3 });
    fit.epochs = 10;
    logger.write(4, { f1score: 0.5, recall: 1 });
    expect(lines).toEqual(['eval epoch 1 - f1score: 0.6667', 'eval epoch 5/10 - f1score: 0.5000 - recall: 1.0000']);
  });

  it('say once that TensorBoard is off when @tensorflow/tfjs-node does not load', () => {
    jest.isolateModules(() => {
      jest.doMock('@tensorflow/tfjs-node', () => {
        throw new Error("Cannot find module '@tensorflow/tfjs-node'");
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TensorBoardLogger } = require('../src/loggers') as typeof Loggers;
      const warnings: string[] = [];
      const logger = new TensorBoardLogger(join(dir, 'tb'), (m) => warnings.push(m));
      logger.write(0, { f1score: 1 });
      logger.write(1, { f1score: 1 });
      expect(logger.enabled).toBe(false);
      expect(warnings).toEqual([
        `TensorBoard logging to ${join(dir, 'tb')} is off: it needs @tensorflow/tfjs-node, which did not load (Cannot find module '@tensorflow/tfjs-node').`,
      ]);
    });
  });
});
