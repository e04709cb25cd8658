/**
 * Child processes of the suite: every case runs in one of its own (so a hang
 * or a runaway allocation is measured and stopped, not suffered), and the
 * SIGKILL trials run their writers in one more, which they kill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const CHILD = path.join(__dirname, 'child.ts');

/** Node with TypeScript (tsx as a loader of this very process, so a kill is seen as such); sources when asked. */
export function nodeArgs(...args: string[]): string[] {
  const conditions = process.env.TFSIM_RELIABILITY_BUILT === '1' ? [] : ['--conditions=@tfsim/source'];
  return [...conditions, '--import', pathToFileURL(require.resolve('tsx')).href, CHILD, ...args];
}

export function spawnChild(...args: string[]): ChildProcess {
  return spawn(process.execPath, nodeArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resident set size of a live process, in bytes (0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Lines a child writes to stdout, as they come. */
export function onLines(child: ChildProcess, fn: (line: string) => void): void {
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      fn(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
