/**
 * Load run of the lookup server on loopback (not a test: numbers depend on
 * the machine and its load, so quote them with the load average printed):
 *   pnpm --filter @tfsim/examples serve:load [--items 100000] [--dim 64] [--requests 2000]
 *     [--concurrency 16] [--batch 1] [--k 10] [--search linear]
 * Builds a random index in memory, serves it on a free port, sends `requests`
 * POST /lookup of `batch` queries each with `concurrency` in flight, checks a
 * sample of answers against Indexer.batchLookup, and prints requests and
 * queries per second and latency percentiles, next to the in-process
 * batchLookup time of the same queries (the HTTP + JSON overhead is the gap).
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';

import { Indexer } from '@tfsim/indexer';
import { Rng } from '@tfsim/utils';

import { startLookupServer } from './server';

function int(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be an integer >= 1, got ${value}`);
  return n;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000' },
      dim: { type: 'string', default: '64' },
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      batch: { type: 'string', default: '1' },
      k: { type: 'string', default: '10' },
      search: { type: 'string', default: 'linear' },
    },
  });
  const [items, dim, requests, concurrency, batch, k] = (['items', 'dim', 'requests', 'concurrency', 'batch', 'k'] as const).map((n) =>
    int(values[n], n),
  ) as [number, number, number, number, number, number];
  const load = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  console.log(
    `serve:load: ${items} items x ${dim}, search ${values.search}, ${requests} requests of ${batch} queries, k ${k}, ${concurrency} in flight`,
  );
  console.log(`machine: ${os.cpus().length} cores, load average ${load} at the start`);

  const rng = new Rng(7);
  const rows = (n: number) => Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const index = new Indexer(dim, { distance: 'cosine', search: values.search });
  const data = rows(items);
  await index.batchAdd(
    data,
    Array.from({ length: items }, (_, i) => i % 100),
    null,
    { verbose: false },
  );
  const queries = Array.from({ length: requests }, () => rows(batch).map((r) => Array.from(r)));

  const inProcessStart = performance.now();
  const expected = await index.batchLookup(queries.slice(0, Math.min(50, requests)).flat(), k, false);
  const inProcessMs = (performance.now() - inProcessStart) / Math.min(50, requests);

  const served = await startLookupServer(index);
  const latencies: number[] = [];
  let next = 0;
  const answers: unknown[] = new Array(requests);
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const t = performance.now();
      const res = await fetch(`${served.url}/lookup`, { method: 'POST', body: JSON.stringify({ embeddings: queries[i], k }) });
      if (res.status !== 200) throw new Error(`request ${i}: HTTP ${res.status} ${await res.text()}`);
      answers[i] = await res.json();
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await served.close();

  // The first requests' neighbours must be Indexer.batchLookup's.
  const got = answers
    .slice(0, Math.min(50, requests))
    .flatMap((a) => (a as { neighbors: Array<Array<{ label: number; distance: number }>> }).neighbors);
  got.forEach((row, q) => {
    const want = expected[q]!;
    if (row.length !== want.length || row.some((n, j) => n.distance !== want[j]!.distance || n.label !== want[j]!.label)) {
      throw new Error(`query ${q}: the server's neighbours differ from Indexer.batchLookup's`);
    }
  });
  latencies.sort((a, b) => a - b);
  console.log(`throughput: ${(requests / seconds).toFixed(1)} requests/s, ${((requests * batch) / seconds).toFixed(1)} queries/s`);
  console.log(
    `latency ms: p50 ${percentile(latencies, 0.5).toFixed(2)}, p95 ${percentile(latencies, 0.95).toFixed(2)}, p99 ${percentile(latencies, 0.99).toFixed(2)}; ` +
      `in-process batchLookup ${inProcessMs.toFixed(2)} ms per request's queries`,
  );
  console.log(`answers checked: ${got.length} queries equal Indexer.batchLookup's`);
  await index.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
