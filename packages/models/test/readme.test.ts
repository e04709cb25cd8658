import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs each ```ts example of the README that is followed by its expected output, and compares. */
const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts\n((?:(?!```)[\s\S])*)```\s*\n+Output:\s*\n+```text\n([\s\S]*?)```/g)];
const tsx = join(root, '..', '..', 'node_modules', '.bin', 'tsx');

describe('README', () => {
  it('has runnable examples', () => expect(examples.length).toBeGreaterThan(0));

  it.each(examples.map((m, i) => [i, m[1]!, m[2]!] as const))('example %i prints what the README says', (i, code, output) => {
    // CommonJS (.ts), as the built packages are: the example wraps its awaits in main().
    const file = join(root, `.readme-example-${process.pid}-${i}.ts`);
    writeFileSync(file, code);
    try {
      const stdout = execFileSync(tsx, ['--conditions=@tfsim/source', file], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', TFSIM_PROGRESS: '0' },
      });
      expect(stdout.trim()).toBe(output.trim());
    } finally {
      rmSync(file, { force: true });
    }
  });
});
