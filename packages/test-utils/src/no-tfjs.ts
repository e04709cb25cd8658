/**
 * Running code as on an index server where TensorFlow.js is not installed.
 * No TensorFlow.js here: import it as `@tfsim/test-utils/no-tfjs`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A script to preload with `node --require`: any attempt to resolve an `@tensorflow/*` package then fails. */
export const BLOCK_TFJS = join(__dirname, 'block-tfjs.cjs');

/**
 * Runs a TypeScript `script` (against the workspace sources) in a child
 * process where TensorFlow.js cannot be loaded, and parses the JSON object
 * it prints on its last line of output.
 */
export function runWithoutTfjs<T>(script: string, env: Record<string, string> = {}): T {
  const tsx = require.resolve('tsx/cjs');
  const result = spawnSync(process.execPath, ['--conditions=@tfsim/source', '--require', BLOCK_TFJS, '--require', tsx, script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(line) as T;
}
