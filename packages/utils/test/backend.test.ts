import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BackendError, type BackendReport, resolveBackendName } from '../src';

const tsx = require.resolve('tsx/cli');
const script = path.join(__dirname, 'fixtures', 'select-backend.ts');
const breakNative = path.join(__dirname, 'fixtures', 'break-native.cjs');

type Outcome = BackendReport & { error?: string; errorName?: string; stderr: string };

/** Runs backend selection in a fresh process (a backend is chosen once per process). */
function selectInChild(env: Record<string, string | undefined>, backendArg?: string): Outcome {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TFSIM_BACKEND: undefined, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const result = spawnSync(process.execPath, [tsx, script, ...(backendArg ? [backendArg] : [])], {
    env: childEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`child failed: ${result.stderr}`);
  return { ...(JSON.parse(line) as Outcome), stderr: result.stderr };
}

describe('setupBackend', () => {
  it('takes the fastest backend that loads and says why faster ones were skipped', () => {
    const report = selectInChild({});
    // tfjs-node-gpu is installed in this workspace without its binary: it must
    // fall through, naming the missing addon, not crash.
    expect(report.skipped[0]?.name).toBe('tfjs-node-gpu');
    expect(report.skipped[0]?.reason).toContain('tfjs_binding.node');
    if (process.env.TFSIM_REQUIRE_NATIVE === '1') expect(report.name).toBe('tfjs-node');
    expect(['tfjs-node', 'wasm']).toContain(report.name);
    expect(report.forced).toBe(false);
    expect(report.summary).toContain(`backend ${report.name} (`);
    expect(report.summary).toContain('skipped tfjs-node-gpu: the native addon of @tensorflow/tfjs-node-gpu is not built');
    // The missing addon is seen before the package is required, so its kernels
    // are never registered twice (one warning per kernel otherwise).
    expect(report.stderr).not.toContain('is already registered');
  });

  it('falls through to wasm when the native binding cannot be loaded', () => {
    const report = selectInChild({ NODE_OPTIONS: `--require ${breakNative}` });
    expect(report.name).toBe('wasm');
    expect(report.tfBackend).toBe('wasm');
    expect(report.skipped.map((s) => s.name)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(report.skipped[1]!.reason).toContain('libtensorflow.so.2: cannot open shared object file (simulated');
  });

  it('is forced by TFSIM_BACKEND or an argument', () => {
    const viaEnv = selectInChild({ TFSIM_BACKEND: 'CPU' });
    expect(viaEnv).toMatchObject({ name: 'cpu', tfBackend: 'cpu', forced: true, skipped: [] });
    const viaArg = selectInChild({ TFSIM_BACKEND: 'cpu' }, 'wasm');
    expect(viaArg).toMatchObject({ name: 'wasm', forced: true });
  });

  it('fails clearly when a forced backend cannot be used', () => {
    const outcome = selectInChild({ TFSIM_BACKEND: 'native', NODE_OPTIONS: `--require ${breakNative}` });
    expect(outcome.errorName).toBe('BackendError');
    expect(outcome.error).toMatch(
      /^backend "tfjs-node" was requested by TFSIM_BACKEND but cannot be used: libtensorflow\.so\.2: cannot open/,
    );
  });

  it('knows backend names and aliases', () => {
    expect(resolveBackendName('gpu')).toBe('tfjs-node-gpu');
    expect(resolveBackendName('tensorflow')).toBe('tfjs-node');
    expect(() => resolveBackendName('tpu')).toThrow(
      new BackendError('unknown backend "tpu"; known backends: tfjs-node-gpu, tfjs-node, wasm, cpu'),
    );
  });
});
