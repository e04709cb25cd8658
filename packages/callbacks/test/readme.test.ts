import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tfsim/test-utils';
import { readScalars } from './tfevents';

/** Runs the README's example (from a scratch folder, where it writes runs/) and compares its output. */
const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts\n((?:(?!```)[\s\S])*)```\s*\n+Output:\s*\n+```text\n([\s\S]*?)```/g)];
const tsx = join(root, '..', '..', 'node_modules', '.bin', 'tsx');

describe('README', () => {
  const cwd = tempDir();

  it('has one runnable example', () => expect(examples).toHaveLength(1));

  it('prints what the README says, and writes the JSON lines and TensorBoard files', () => {
    const [, code, output] = examples[0]!;
    // Next to the sources, so that imports resolve; run from the scratch folder.
    const file = join(root, `.readme-example-${process.pid}.mts`);
    writeFileSync(file, code!);
    try {
      const stdout = execFileSync(tsx, ['--conditions=@tfsim/source', file], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
      });
      expect(stdout.trim()).toBe(output!.trim());
    } finally {
      rmSync(file, { force: true });
    }
    const records = readFileSync(join(cwd, 'runs', 'eval.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { epoch: number });
    expect(records.map((r) => r.epoch)).toEqual([0, 1, 2]);
    const tbDir = join(cwd, 'runs', 'tb', 'index');
    const [events] = readdirSync(tbDir);
    const f1 = readScalars(join(tbDir, events!)).filter((s) => s.tag === 'f1score_known_classes');
    expect(f1.map((s) => s.step)).toEqual([0, 1, 2]);
    expect(f1[0]!.value).toBeCloseTo(10 / 11, 6);
  });
});
