import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_NAME } from '../src';

describe('@tfsim/models', () => {
  it('exports its own package name', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string };
    expect(PACKAGE_NAME).toBe(manifest.name);
  });
});
