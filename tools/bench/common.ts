/**
 * What every benchmark shares: the machine description, JSON results, the
 * tables in docs/performance.md, .npy files both JavaScript and Python read,
 * child processes (one per configuration, so memory and backends do not mix)
 * and the Python peers' venv.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const RESULTS_DIR = path.join(__dirname, 'results');
export const PERFORMANCE_DOC = path.join(ROOT, 'docs', 'performance.md');

export interface Machine {
  cpu: string;
  cores: number;
  /** 1-, 5- and 15-minute load averages when the benchmark started (null: not recorded). */
  load: [number, number, number] | null;
  memoryGiB: number;
  node: string;
  /** Nominal fp32 peak: cores x clock x flops per cycle (2 FMA pipes x 8 lanes x 2 with AVX2/AVX-512). */
  peakGflops: number;
  date: string;
}

function cpuInfo(): { model: string; mhz: number; flags: string[] } {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    return { model: field('model name') ?? 'unknown CPU', mhz: Number(field('cpu MHz') ?? 0), flags: (field('flags') ?? '').split(/\s+/) };
  } catch {
    const cpu = os.cpus()[0];
    return { model: cpu?.model.trim() ?? 'unknown CPU', mhz: cpu?.speed ?? 0, flags: [] };
  }
}

export function machine(): Machine {
  const { model, mhz, flags } = cpuInfo();
  const cores = os.availableParallelism();
  // Zen 4 runs AVX-512 on two 256-bit FMA pipes: 32 fp32 flops per cycle, as AVX2 + FMA.
  const flopsPerCycle = flags.includes('avx512f') || (flags.includes('avx2') && flags.includes('fma')) ? 32 : 16;
  const load = os.loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
  return {
    cpu: `${model}${flags.includes('avx512f') ? ' (AVX-512)' : flags.includes('avx2') ? ' (AVX2)' : ''}, ${mhz.toFixed(0)} MHz`,
    cores,
    load,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    peakGflops: Number(((cores * mhz * flopsPerCycle) / 1000).toFixed(0)),
    date: new Date().toISOString(),
  };
}

export function machineLine(m: Machine): string {
  return (
    `${m.date.slice(0, 16).replace('T', ' ')} UTC; ${m.cores} cores of ${m.cpu} (nominal fp32 peak ${m.peakGflops} GFLOP/s), ` +
    `${m.memoryGiB} GiB; ${m.load ? `load average ${m.load.join(' / ')} at the start` : 'load not recorded'}; Node ${m.node}`
  );
}

/** Writes `results` as JSON (creating the folder) and returns the path. */
export function writeJson(file: string, results: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}

/**
 * Replaces the section `<!-- bench:name:begin -->...<!-- bench:name:end -->`
 * of `doc` with `body` (appending the section when it is missing).
 */
export function updateDocSection(doc: string, name: string, body: string): void {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Performance\n';
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const section = `${begin}\n${body.trim()}\n${end}`;
  const out = i !== -1 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(doc, out);
}

/**
 * What every bench does with its results: writes them as JSON, prints the
 * table, and with `--doc` (a path, or 'default' for docs/performance.md)
 * replaces the doc's `section` with it.
 */
export function publishResults(json: string, results: unknown, table: string, doc: string | undefined, section: string): void {
  writeJson(json, results);
  console.log(table);
  if (doc) updateDocSection(doc === 'default' ? PERFORMANCE_DOC : doc, section, table);
}

/** Runs a bench's `main` when its file is the process's entry point (exit code 1 and the error on failure). */
export function runAsScript(entry: NodeJS.Module, main: () => Promise<void>): void {
  if (require.main !== entry) return;
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function fmt(value: number | undefined | null, digits = 1): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

// ---------------------------------------------------------------- .npy files

/** Writes a float32 (`<f4`) or int32 (`<i4`) C-order .npy file. */
export function writeNpy(file: string, data: Float32Array | Int32Array, shape: number[]): void {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n' padded to 64 bytes.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, head);
    fs.writeSync(fd, Buffer.from(header, 'latin1'));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off < bytes.length; off += 1 << 26) fs.writeSync(fd, bytes.subarray(off, Math.min(bytes.length, off + (1 << 26))));
  } finally {
    fs.closeSync(fd);
  }
}

export interface NpyFile {
  descr: '<f4' | '<i4';
  shape: number[];
  /** Byte offset of the data. */
  offset: number;
  file: string;
}

export function npyHeader(file: string): NpyFile {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(10);
    fs.readSync(fd, head, 0, 10, 0);
    if (head.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file} is not a .npy file`);
    const len = head.readUInt16LE(8);
    const header = Buffer.alloc(len);
    fs.readSync(fd, header, 0, len, 10);
    const text = header.toString('latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
    if (descr !== '<f4' && descr !== '<i4') throw new Error(`${file}: unsupported dtype ${descr}`);
    if (/'fortran_order':\s*True/.test(text)) throw new Error(`${file}: Fortran order is not supported`);
    const shape = (/'shape':\s*\(([^)]*)\)/.exec(text)?.[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number);
    return { descr, shape, offset: 10 + len, file };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads rows [start, start + count) of a 2-d .npy file (into `into` when given). */
export function readNpyRows<T extends Float32Array | Int32Array>(npy: NpyFile, start: number, count: number, into?: T): T {
  const cols = npy.shape[1] ?? 1;
  const out = (into?.subarray(0, count * cols) ??
    (npy.descr === '<f4' ? new Float32Array(count * cols) : new Int32Array(count * cols))) as T;
  const fd = fs.openSync(npy.file, 'r');
  try {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const got = fs.readSync(fd, bytes, done, bytes.length - done, npy.offset + start * cols * 4 + done);
      if (got === 0) throw new Error(`${npy.file}: truncated`);
      done += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

// ---------------------------------------------------------------- processes

/** Resident set size of this process, in bytes (from /proc, else Node's view). */
export function rssBytes(): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

/** Runs a child and parses the last line of its stdout as JSON. */
export function runJsonChild<T>(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { ok: true; value: T } | { ok: false; error: string } {
  const res = spawnSync(command, args, {
    encoding: 'utf8',
    env: options.env ?? process.env,
    timeout: options.timeoutMs,
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = (res.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (res.status === 0 && last.startsWith('{')) return { ok: true, value: JSON.parse(last) as T };
  const why = res.error?.message ?? `exit ${res.status ?? res.signal}: ${(res.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  return { ok: false, error: why };
}

/** Node with the same flags as this process (tsx, conditions), running `script`. */
export function nodeArgs(script: string, args: string[]): [string, string[]] {
  return [process.execPath, [...process.execArgv, '--expose-gc', script, ...args]];
}

// ---------------------------------------------------------------- Python peers

/** The venv of tools/bench/setup-python.sh: TFSIM_BENCH_VENV, /tmp/bench-venv or /tmp/pyref. */
export function pythonExecutable(): string | undefined {
  const candidates = [process.env.TFSIM_BENCH_VENV, '/tmp/bench-venv', '/tmp/pyref'].filter((v): v is string => !!v);
  for (const venv of candidates) {
    const py = path.join(venv, 'bin', 'python');
    if (fs.existsSync(py)) return py;
  }
  return undefined;
}

const moduleCache = new Map<string, boolean>();

/**
 * Whether a Python module can be imported in the peers' venv. Found without
 * importing it (importing TensorFlow alone takes tens of seconds on a busy
 * 2-core machine); each peer script reports its versions itself.
 */
export function pythonHasModule(module: string): boolean {
  const py = pythonExecutable();
  if (!py) return false;
  const cached = moduleCache.get(module);
  if (cached !== undefined) return cached;
  const res = spawnSync(
    py,
    ['-c', `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 1)`],
    {
      encoding: 'utf8',
    },
  );
  moduleCache.set(module, res.status === 0);
  return res.status === 0;
}

export const PYTHON_DIR = path.join(__dirname, 'python');
