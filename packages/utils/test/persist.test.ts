import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, readArray, readManifest, writeArray, writeFolderAtomically, writeManifest } from '../src';

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
