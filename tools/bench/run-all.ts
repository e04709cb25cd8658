/**
 * `pnpm bench` (from the repository root): every benchmark, one after the
 * other (they would disturb each other's timings if run at once), each
 * writing tools/bench/results/<name>.json and its section of
 * docs/performance.md. Python peers are used when tools/bench/setup-python.sh
 * has made their venv; `--setup-python` runs it first.
 *
 * `--only train,index` picks benchmarks; other flags are passed to each
 * (e.g. `--tiny`, `--no-python`).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { machine, machineLine, RESULTS_DIR, writeJson } from './common';

const BENCHMARKS: Record<string, string> = {
  train: 'train.ts',
  index: 'index-search.ts',
  evaluation: 'evaluation.ts',
  store: 'store.ts',
};

function main(): void {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: Object.keys(BENCHMARKS).join(',') },
      tiny: { type: 'boolean', default: false },
      'no-python': { type: 'boolean', default: false },
      'setup-python': { type: 'boolean', default: false },
      doc: { type: 'string', default: 'default' },
    },
  });
  if (values['setup-python']) {
    spawnSync('bash', [path.join(__dirname, 'setup-python.sh')], { stdio: 'inherit' });
  }
  const m = machine();
  console.error(`bench: ${machineLine(m)}`);
  const passed = [...(values.tiny ? ['--tiny'] : []), ...(values['no-python'] ? ['--no-python'] : []), '--doc', values.doc];
  const durations: Record<string, number> = {};
  let failed = 0;
  const started = performance.now();
  for (const name of values.only.split(',')) {
    const script = BENCHMARKS[name];
    if (!script) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHMARKS).join(', ')})`);
    console.error(`\n== ${name} ==`);
    const t = performance.now();
    const res = spawnSync(process.execPath, [...process.execArgv, path.join(__dirname, script), ...passed], { stdio: 'inherit' });
    durations[name] = (performance.now() - t) / 1000;
    if (res.status !== 0) failed++;
    console.error(`== ${name}: ${durations[name]!.toFixed(0)} s${res.status === 0 ? '' : ` (failed: exit ${res.status})`}`);
  }
  const total = (performance.now() - started) / 1000;
  writeJson(path.join(RESULTS_DIR, 'run-all.json'), { machine: m, durationsSec: durations, totalSec: total, failed });
  console.error(`\nbench: ${total.toFixed(0)} s in all; ${failed} failed`);
  if (failed) process.exit(1);
}

main();
