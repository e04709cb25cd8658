/**
 * `pnpm hello [--out folder] [--steps n] [--quick]`: the hello world. Prints
 * progress, then a report; pictures go to the output folder (default
 * out/hello).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { formatHello, runHello } from './run';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      // Default: out/hello at the repository's root (gitignored), whatever the working folder.
      out: { type: 'string', default: path.resolve(__dirname, '..', '..', '..', 'out', 'hello') },
      steps: { type: 'string' },
      quick: { type: 'boolean', default: false },
      architecture: { type: 'string' },
      embedding: { type: 'string' },
      lr: { type: 'string' },
    },
  });
  const number = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
  if (values.architecture !== undefined && values.architecture !== 'notebook' && values.architecture !== 'mlp') {
    throw new Error(`--architecture must be notebook or mlp, got "${values.architecture}"`);
  }
  const result = await runHello({
    outDir: path.resolve(values.out),
    quick: values.quick,
    steps: number(values.steps, 'steps'),
    architecture: values.architecture as 'notebook' | 'mlp' | undefined,
    embeddingSize: number(values.embedding, 'embedding'),
    learningRate: number(values.lr, 'lr'),
  });
  console.log(formatHello(result));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
