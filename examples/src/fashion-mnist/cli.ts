/**
 * `pnpm --filter @tfsim/examples fashion-mnist [--data folder] [--out folder] [--steps n]`
 * (default data folder: /usr/share/datasets/fashion-mnist; pictures in out/fashion-mnist).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { formatReport } from '../supervised/format';
import { DEFAULT_DATA_DIR, runFashionMnist } from './run';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      // Default: out/fashion-mnist at the repository's root (gitignored), whatever the working folder.
      out: { type: 'string', default: path.resolve(__dirname, '..', '..', '..', 'out', 'fashion-mnist') },
      steps: { type: 'string' },
    },
  });
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0))
    throw new Error(`--steps must be a positive integer, got "${values.steps}"`);
  const result = await runFashionMnist({ dataDir: values.data, outDir: path.resolve(values.out), steps });
  console.log(formatReport('Fashion-MNIST', result.backend, `${result.report.model.architecture} CNN`, result.report, result.seconds));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
