import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '../src';
import { runWithoutTfjs } from '../src/no-tfjs';

describe('runWithoutTfjs', () => {
  const dir = tempDir('tfsim-no-tfjs-');

  it('runs a TypeScript script in which any @tensorflow/* require fails, and parses its last line', () => {
    const script = join(dir, 'probe.ts');
    writeFileSync(
      script,
      [
        "import * as path from 'node:path';",
        'let blocked = "";',
        "try { require('@tensorflow/tfjs-core'); } catch (err) { blocked = (err as NodeJS.ErrnoException).code ?? ''; }",
        "const fine = path.join('a', 'b');",
        "console.log('noise');",
        'console.log(JSON.stringify({ blocked, fine, env: process.env.PROBE }));',
      ].join('\n'),
    );
    expect(runWithoutTfjs(script, { PROBE: 'x' })).toEqual({ blocked: 'MODULE_NOT_FOUND', fine: join('a', 'b'), env: 'x' });
  });

  it('reports the standard error of a script that does not print a result', () => {
    const script = join(dir, 'fails.ts');
    writeFileSync(script, "throw new Error('boom from the child');\n");
    expect(() => runWithoutTfjs(script)).toThrow(/boom from the child/);
  });
});
