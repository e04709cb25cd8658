/**
 * Runs a package README's examples: each ```ts block followed by "Output:"
 * and a ```text block is written next to the package's sources (so that its
 * imports resolve), run with tsx against the workspace sources, and its
 * output compared with the README's. No TensorFlow.js here: index-side
 * packages import this as `@tfsim/test-utils/readme`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EXAMPLE = /```ts\n((?:(?!```)[\s\S])*)```\s*\n+Output:\s*\n+```text\n([\s\S]*?)```/g;

export interface ReadmeExample {
  code: string;
  output: string;
}

export function readmeExamples(packageRoot: string): ReadmeExample[] {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(EXAMPLE)].map((m) => ({ code: m[1]!, output: m[2]! }));
}

export interface RunExampleOptions {
  cwd?: string;
  /** 'esm' (default; top-level await) or 'commonjs' (as the built packages load). */
  module?: 'esm' | 'commonjs';
}

/** Runs `code` in `packageRoot`; returns its standard output. */
export function runExample(packageRoot: string, code: string, options: RunExampleOptions = {}): string {
  const extension = options.module === 'commonjs' ? 'ts' : 'mts';
  const file = join(packageRoot, `.readme-example-${process.pid}-${Math.random().toString(36).slice(2)}.${extension}`);
  writeFileSync(file, code);
  try {
    return execFileSync(join(packageRoot, '..', '..', 'node_modules', '.bin', 'tsx'), ['--conditions=@tfsim/source', file], {
      cwd: options.cwd ?? packageRoot,
      encoding: 'utf8',
      env: { ...process.env, TFSIM_PROGRESS: '0', TF_CPP_MIN_LOG_LEVEL: '3' },
    });
  } finally {
    rmSync(file, { force: true });
  }
}

/** Registers one test per README example: it must print exactly the README's output. */
export function testReadmeExamples(packageRoot: string, options: Pick<RunExampleOptions, 'module'> = {}): void {
  const examples = readmeExamples(packageRoot);
  describe('README', () => {
    it('has runnable examples', () => expect(examples.length).toBeGreaterThan(0));

    it.each(examples.map((e, i) => [i, e] as const))('example %i prints what the README says', (_i, example) => {
      expect(runExample(packageRoot, example.code, options).trim()).toBe(example.output.trim());
    });
  });
}
