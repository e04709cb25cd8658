import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '@tfsim/test-utils';
import { readmeExamples, runExample } from '@tfsim/test-utils/readme';

import { readScalars } from './tfevents';

/** Runs the README's example from a scratch folder (where it writes runs/) and compares its output. */
const root = join(__dirname, '..');
const examples = readmeExamples(root);

describe('README', () => {
  const cwd = tempDir();

  it('has one runnable example', () => expect(examples).toHaveLength(1));

  it('prints what the README says, and writes the JSON lines and TensorBoard files', () => {
    const { code, output } = examples[0]!;
    expect(runExample(root, code, { cwd }).trim()).toBe(output.trim());
    const records = readFileSync(join(cwd, 'runs', 'eval.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number });
    expect(records.map((r) => r.epoch)).toEqual([0, 1, 2]);
    const tbDir = join(cwd, 'runs', 'tb', 'index');
    const [events] = readdirSync(tbDir);
    const f1 = readScalars(join(tbDir, events!)).filter((s) => s.tag === 'f1score_known_classes');
    expect(f1.map((s) => s.step)).toEqual([0, 1, 2]);
    expect(f1[0]!.value).toBeCloseTo(10 / 11, 6);
  });
});
