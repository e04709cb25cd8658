import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { type ArrayDescriptor, FormatError, readArray, readManifest, writeArray, writeFolderAtomically, writeManifest } from '../src';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-utils-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('save format', () => {
  it('round-trips arrays bit for bit', async () => {
    const dir = path.join(tmp, 'arrays');
    fs.mkdirSync(dir);
    const f32 = new Float32Array([0.1, -0, Number.MIN_VALUE, 3.4e38, Math.PI]);
    const i32 = new Int32Array([-2147483648, 0, 2147483647]);
    const d1 = await writeArray(dir, 'a.f32', f32);
    const d2 = await writeArray(dir, 'b.i32', i32);
    expect(d1).toEqual({ file: 'a.f32', dtype: 'float32', length: 5 });
    const back = await readArray(dir, d1, 'float32');
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(f32.buffer));
    expect(Object.is(back[1], -0)).toBe(true);
    expect(Array.from(await readArray(dir, d2, 'int32'))).toEqual(Array.from(i32));
  });

  it('rejects truncated files, wrong dtypes and path tricks', async () => {
    const dir = path.join(tmp, 'bad-arrays');
    fs.mkdirSync(dir);
    const d = await writeArray(dir, 'x.f32', new Float32Array(4));
    fs.truncateSync(path.join(dir, 'x.f32'), 10);
    await expect(readArray(dir, d, 'float32')).rejects.toThrow('has 10 bytes, the manifest says 16');
    await expect(readArray(dir, d, 'int32')).rejects.toThrow('holds float32, expected int32');
    await expect(readArray(dir, { ...d, file: '../x.f32' }, 'float32')).rejects.toThrow(FormatError);
  });

  it('checks the manifest format and version', async () => {
    const dir = path.join(tmp, 'manifest');
    fs.mkdirSync(dir);
    await expect(readManifest(dir, 'tfsim.test', [1])).rejects.toThrow('manifest.json is missing');
    await writeManifest(dir, { format: 'tfsim.other', version: 1 });
    await expect(readManifest(dir, 'tfsim.test', [1])).rejects.toThrow('holds format "tfsim.other", expected "tfsim.test"');
    await writeManifest(dir, { format: 'tfsim.test', version: 9 });
    await expect(readManifest(dir, 'tfsim.test', [1])).rejects.toThrow('version 9; this release reads version 1');
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{not json');
    await expect(readManifest(dir, 'tfsim.test', [1])).rejects.toThrow('is not valid JSON');
    // The error never quotes the file: it may be anything a link points at.
    fs.writeFileSync(path.join(dir, 'manifest.json'), 'root:x:0:0:secret');
    await expect(readManifest(dir, 'tfsim.test', [1])).rejects.toThrow(/is not valid JSON( \(position \d+\))?$/);
    await writeManifest(dir, { format: 'tfsim.test', version: 1, extra: [1, 2] });
    expect(await readManifest(dir, 'tfsim.test', [1])).toEqual({ format: 'tfsim.test', version: 1, extra: [1, 2] });
  });

  it('replaces a folder atomically and leaves the old one when writing fails', async () => {
    const dir = path.join(tmp, 'atomic');
    await writeFolderAtomically(dir, async (t) => fs.writeFileSync(path.join(t, 'v'), '1'));
    expect(fs.readFileSync(path.join(dir, 'v'), 'utf8')).toBe('1');
    await expect(
      writeFolderAtomically(dir, async (t) => {
        fs.writeFileSync(path.join(t, 'v'), '2');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readFileSync(path.join(dir, 'v'), 'utf8')).toBe('1');
    await writeFolderAtomically(dir, async (t) => fs.writeFileSync(path.join(t, 'v'), '3'));
    expect(fs.readFileSync(path.join(dir, 'v'), 'utf8')).toBe('3');
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('atomic'))).toEqual(['atomic']);
  });
});

describe('crash-safe save (SIGKILL at every step)', () => {
  const child = path.join(__dirname, 'save-crash-child.ts');
  // tsx as a loader of this node process (not its CLI, which runs a second one), so the kill is seen as such.
  const tsx = pathToFileURL(require.resolve('tsx')).href;

  function killedSave(dir: string, version: number, killAt: string): { signal: NodeJS.Signals | null; stdout: string } {
    const run = spawnSync(process.execPath, ['--import', tsx, child, dir, String(version), killAt], { encoding: 'utf8', timeout: 60_000 });
    if (run.error) throw run.error;
    return { signal: run.signal, stdout: run.stdout };
  }

  /** The saved version in `dir`, after checking that its payload is whole and consistent with it. */
  async function loadVersion(dir: string): Promise<number> {
    const manifest = await readManifest(dir, 'tfsim.crash-trial', [1]);
    const payload = await readArray(dir, manifest.array as ArrayDescriptor, 'uint8');
    expect(payload.length).toBe(1 << 20);
    expect(payload.every((b) => b === manifest.saved)).toBe(true);
    return manifest.saved as number;
  }

  async function save(dir: string, version: number): Promise<void> {
    await writeFolderAtomically(dir, async (t) => {
      const array = await writeArray(t, 'payload.u8', new Uint8Array(1 << 20).fill(version));
      await writeManifest(t, { format: 'tfsim.crash-trial', version: 1, saved: version, array });
    });
  }

  // Killed before the new folder is complete and marked ready: the previous
  // save stays. Killed after the old folder was moved aside: the complete new
  // one is rolled forward by the next load.
  const cases: Array<[string, number]> = [
    ['started', 1],
    ['mid-write', 1],
    ['written', 1],
    ['synced', 1],
    ['ready', 1],
    ['moved-old', 2],
    ['installed', 2],
    ['done', 2],
  ];

  it.each(cases)(
    'killed at %s: load finds save %d whole, and the next save cleans every leftover',
    async (step, expected) => {
      const parent = fs.mkdtempSync(path.join(tmp, 'crash-'));
      const dir = path.join(parent, 'saved');
      await save(dir, 1);
      const { signal, stdout } = killedSave(dir, 2, step);
      expect(signal).toBe('SIGKILL');
      expect(stdout).toBe('');
      expect(await loadVersion(dir)).toBe(expected);
      await save(dir, 3);
      expect(await loadVersion(dir)).toBe(3);
      expect(fs.readdirSync(parent)).toEqual(['saved']);
    },
    60_000,
  );

  it('a first save killed between marking itself ready and installing is found by load', async () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'crash-first-'));
    const dir = path.join(parent, 'saved');
    expect(killedSave(dir, 2, 'ready').signal).toBe('SIGKILL');
    expect(fs.existsSync(dir)).toBe(false);
    expect(await loadVersion(dir)).toBe(2);
    expect(fs.readdirSync(parent)).toEqual(['saved']);
  }, 60_000);

  it('never touches the folders of a save still running in another process', async () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'crash-live-'));
    const dir = path.join(parent, 'saved');
    // A leftover named after a live process (this test's parent, jest's worker host) is not ours to clean.
    const live = `${dir}.tmp-${process.ppid}-abcdef`;
    fs.mkdirSync(live);
    await save(dir, 1);
    expect(fs.readdirSync(parent).sort()).toEqual(['saved', path.basename(live)]);
  });
});
