import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { BackendError, type BackendReport, NATIVE_SETTINGS_FILE, readNativeSettings, resolveBackendName } from '../src';

const tsx = require.resolve('tsx/cli');
const script = path.join(__dirname, 'fixtures', 'select-backend.ts');
const breakNative = path.join(__dirname, 'fixtures', 'break-native.cjs');

type Outcome = BackendReport & { error?: string; errorName?: string; stderr: string; conv?: number; oneDnnEnv: string | null };

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
  if (!line.startsWith('{')) throw new Error(`child failed (${result.signal ?? `exit ${result.status}`}): ${result.stderr}`);
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

  it('runs a large convolution on the native backend, with oneDNN off where setup:native recorded that it crashes', () => {
    const report = selectInChild({ TFSIM_PROBE_CONV: '1', TF_ENABLE_ONEDNN_OPTS: undefined });
    if (report.name !== 'tfjs-node') {
      expect(process.env.TFSIM_REQUIRE_NATIVE).not.toBe('1');
      return;
    }
    // Without the setting, this child dies of SIGFPE on machines where the probe failed.
    expect(report.conv).toBe(1024);
    const lib = path.join(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'lib');
    const addonDir = path.join(
      lib,
      fs.readdirSync(lib).find((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')))!,
    );
    const settings = readNativeSettings(addonDir);
    if (settings.oneDNN === false) {
      expect(report.oneDnnEnv).toBe('0');
      expect(report.notes).toEqual([`oneDNN off (TF_ENABLE_ONEDNN_OPTS=0): ${settings.reason}`]);
      expect(report.summary).toContain('; oneDNN off (TF_ENABLE_ONEDNN_OPTS=0): ');
    } else {
      expect(report).toMatchObject({ oneDnnEnv: null, notes: [] });
    }
  });

  it('leaves TF_ENABLE_ONEDNN_OPTS to the user when set', () => {
    const report = selectInChild({ TF_ENABLE_ONEDNN_OPTS: '1' });
    expect(report.oneDnnEnv).toBe('1');
    expect(report.notes).toEqual([]);
  });

  it('reads the settings setup:native records, and none where there are none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-native-'));
    try {
      expect(readNativeSettings(dir)).toEqual({});
      fs.writeFileSync(path.join(dir, NATIVE_SETTINGS_FILE), JSON.stringify({ oneDNN: false, reason: 'probe crashed' }));
      expect(readNativeSettings(dir)).toEqual({ oneDNN: false, reason: 'probe crashed' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows backend names and aliases', () => {
    expect(resolveBackendName('gpu')).toBe('tfjs-node-gpu');
    expect(resolveBackendName('tensorflow')).toBe('tfjs-node');
    expect(() => resolveBackendName('tpu')).toThrow(
      new BackendError('unknown backend "tpu"; known backends: tfjs-node-gpu, tfjs-node, wasm, cpu'),
    );
  });
});
