import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { tempDir } from '../src';

let made: string[] = [];

describe('tempDir, within one describe block', () => {
  const a = tempDir('tfsim-tmp-test-');
  const b = tempDir();
  made = [a, b];

  it('makes a fresh, distinct, writable folder for each call, with the prefix asked for', () => {
    expect(a).not.toBe(b);
    expect(basename(a)).toMatch(/^tfsim-tmp-test-/);
    expect(basename(b)).toMatch(/^tfsim-test-/);
    writeFileSync(join(a, 'file.txt'), 'x');
    expect(existsSync(join(a, 'file.txt'))).toBe(true);
  });
});

describe('tempDir, after that block', () => {
  it('has removed its folders, contents included', () => {
    expect(made).toHaveLength(2);
    expect(made.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
