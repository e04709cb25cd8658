/**
 * One process of the suite: `case <index>` runs a case and prints its
 * outcome as `RESULT <json>`; `worker <name> ...` runs a writer that a
 * SIGKILL trial kills.
 */
import * as fs from 'node:fs';

import { CASES } from './cases';
import { judgeError, type Outcome, scratchDir } from './common';
import { WORKERS } from './sigkill';

/** A case that has not answered by then is reported as hung (the runner's hard limit is 30 s). */
const CASE_TIMEOUT_MS = 20_000;

async function runCase(index: number): Promise<void> {
  const c = CASES[index]!;
  const scratch = scratchDir('case');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ verdict: 'hang', detail: `no answer within ${CASE_TIMEOUT_MS / 1000} s` }), CASE_TIMEOUT_MS);
  });
  let outcome: Outcome;
  try {
    outcome = await Promise.race([c.run(scratch), timeout]);
  } catch (err) {
    // An error escaping a case is a failure of the setup or of the code under test: judged the same way.
    outcome = judgeError(err);
  }
  clearTimeout(timer);
  process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
  fs.rmSync(scratch, { recursive: true, force: true });
  // A hung read (a FIFO) or an open client must not keep the process alive.
  process.exit(0);
}

const [mode, name, ...rest] = process.argv.slice(2);
if (mode === 'case') {
  void runCase(Number(name));
} else if (mode === 'worker' && name && WORKERS[name]) {
  WORKERS[name]!(rest).catch((err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write(`usage: child.ts case <index> | worker <${Object.keys(WORKERS).join('|')}> ...\n`);
  process.exit(2);
}
