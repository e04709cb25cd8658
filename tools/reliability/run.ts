/**
 * The reliability suite (issue 18): SIGKILL trials of save, LevelStore and
 * RedisStore; Redis outages and 200k-row batches; buffer reuse; the
 * hostile-file corpus. Each case runs in a process of its own, stopped at
 * 30 s or 1 GB RSS. Prints one line per case and
 * `cases tried / clear errors / data lost`; exits 1 when a case fails.
 *
 *   pnpm --filter @tfsim/tools test:reliability            # against the sources
 *   TFSIM_RELIABILITY_BUILT=1 ... test:reliability          # against dist/ (pnpm build first)
 *   ... test:reliability -- --only redis                    # cases whose name or group contains "redis"
 */
import { CASES } from './cases';
import type { Outcome, Verdict } from './common';
import { exited, onLines, rssOf, spawnChild } from './spawn';

const MAX_SECONDS = 30;
const MAX_RSS = 1024 ** 3;

interface Result extends Outcome {
  seconds: number;
  rss: number;
}

async function runOne(index: number): Promise<Result> {
  const child = spawnChild('case', String(index));
  const started = Date.now();
  let outcome: Outcome | undefined;
  let stderr = '';
  let rss = 0;
  let stopped: Verdict | undefined;
  onLines(child, (line) => {
    if (line.startsWith('RESULT ')) outcome = JSON.parse(line.slice(7)) as Outcome;
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const poll = setInterval(() => {
    rss = Math.max(rss, rssOf(child.pid!));
    if (rss > MAX_RSS) stopped ??= 'over-memory';
    else if (Date.now() - started > MAX_SECONDS * 1000) stopped ??= 'hang';
    if (stopped) child.kill('SIGKILL');
  }, 100);
  await exited(child);
  clearInterval(poll);
  const seconds = (Date.now() - started) / 1000;
  if (stopped) return { verdict: stopped, detail: `stopped at ${seconds.toFixed(1)} s, ${(rss / 1024 ** 2).toFixed(0)} MB`, seconds, rss };
  if (!outcome)
    return { verdict: 'raw-error', detail: `the case process died: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, seconds, rss };
  return { ...outcome, seconds, rss };
}

async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const selected = CASES.map((c, i) => ({ c, i })).filter(({ c }) => !only || c.name.includes(only) || c.group.includes(only));
  let clearErrors = 0;
  let dataLost = 0;
  let maxRss = 0;
  let maxSeconds = 0;
  const failed: string[] = [];
  const pending: string[] = [];
  for (const { c, i } of selected) {
    const r = await runOne(i);
    const pass = c.expect.includes(r.verdict);
    if (r.verdict === 'clear-error') clearErrors++;
    if (r.verdict === 'data-lost') dataLost++;
    maxRss = Math.max(maxRss, r.rss);
    maxSeconds = Math.max(maxSeconds, r.seconds);
    const tag = pass ? 'pass' : c.pendingOn ? `FAIL (fix on ${c.pendingOn}'s branch)` : 'FAIL';
    if (!pass) (c.pendingOn ? pending : failed).push(`${c.name}: ${r.verdict}`);
    console.log(
      `${tag.padEnd(4)} [${c.group}] ${c.name}: ${r.verdict} (${r.seconds.toFixed(1)} s, ${(r.rss / 1024 ** 2).toFixed(0)} MB) ${r.detail}`,
    );
  }
  console.log('');
  console.log(`${selected.length} cases tried / ${clearErrors} clear errors / ${dataLost} data lost`);
  console.log(
    `slowest case ${maxSeconds.toFixed(1)} s, largest RSS ${(maxRss / 1024 ** 2).toFixed(0)} MB (limits ${MAX_SECONDS} s, 1024 MB)`,
  );
  if (pending.length) console.log(`\nfailing until other branches merge (${pending.length}):\n  ${pending.join('\n  ')}`);
  if (failed.length) console.log(`\nfailing (${failed.length}):\n  ${failed.join('\n  ')}`);
  process.exitCode = failed.length + pending.length > 0 ? 1 : 0;
}

void main();
