import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { type BackendTimings, markdownTable } from './backends';

describe('bench:backends', () => {
  it('runs on a tiny size and writes valid JSON results', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-bench-')), 'backends.json');
    execFileSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(__dirname, 'backends.ts'), '--backends', 'cpu', '--reps', '1', '--tiny', '--json', out],
      {
        stdio: 'pipe',
        env: { ...process.env, TFSIM_BACKEND: '' },
      },
    );
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { machine: string; results: BackendTimings[] };
    expect(written.machine).toContain('Node v');
    expect(written.results).toHaveLength(1);
    const [cpu] = written.results;
    expect(cpu).toMatchObject({ backend: 'cpu', available: true });
    for (const key of ['matmulMs', 'cnnStepMs', 'mlpStepMs', 'matmulGflops'] as const) {
      expect(cpu![key]).toBeGreaterThan(0);
    }
    // 2 * 200 * 64 * 1000 flops in matmulMs milliseconds
    expect(cpu!.matmulGflops).toBeCloseTo((2 * 200 * 64 * 1000) / (cpu!.matmulMs! * 1e6), 6);
  }, 120_000);

  it('renders ratios against cpu measured in the same run', () => {
    const table = markdownTable(
      [
        { backend: 'tfjs-node', available: true, matmulMs: 10, matmulGflops: 256, cnnStepMs: 5, mlpStepMs: 2 },
        { backend: 'wasm', available: false, reason: 'not installed\nmore' },
        { backend: 'cpu', available: true, matmulMs: 100, matmulGflops: 25.6, cnnStepMs: 500, mlpStepMs: 4 },
      ],
      'test machine',
    );
    expect(table).toContain('| tfjs-node | 10 ms (10.0x), 256.0 GFLOP/s | 5.00 ms (100.0x) | 2.00 ms (2.0x) |');
    expect(table).toContain('| wasm | not available: not installed | | |');
    expect(table).toContain('on test machine');
  });

  it('labels the native rows by their oneDNN setting', () => {
    const table = markdownTable(
      [
        {
          backend: 'tfjs-node',
          available: true,
          notes: ['oneDNN off (TF_ENABLE_ONEDNN_OPTS=0): probe crashed'],
          matmulMs: 10,
          matmulGflops: 256,
          cnnStepMs: 8,
          mlpStepMs: 2,
        },
        { backend: 'tfjs-node+onednn', available: true, notes: [], matmulMs: 10, matmulGflops: 256, cnnStepMs: 4, mlpStepMs: 2 },
        { backend: 'cpu', available: true, matmulMs: 100, matmulGflops: 25.6, cnnStepMs: 400, mlpStepMs: 4 },
      ],
      'test machine',
    );
    expect(table).toContain('| tfjs-node (oneDNN off: it crashes here) | 10 ms (10.0x), 256.0 GFLOP/s | 8.00 ms (50.0x) |');
    expect(table).toContain('| tfjs-node (oneDNN forced on) | 10 ms (10.0x), 256.0 GFLOP/s | 4.00 ms (100.0x) |');
  });
});
