import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  assertSavedFolder,
  checkOverwrite,
  FolderExistsError,
  FormatError,
  parseSavedJson,
  readArray,
  readManifest,
  writeArray,
} from '../src';

// Issue 18 item 3: a hostile saved folder. Each case is a file that loaded (or hung, or
// grew the process) before; each must now be a FormatError that quotes nothing from the file.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const folder = (): string => {
  const dir = path.join(tmp, `case-${n++}`);
  fs.mkdirSync(dir);
  return dir;
};
const secret = path.join(tmp, 'secret.txt');
fs.writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
const manifest = (dir: string, body: string): void => fs.writeFileSync(path.join(dir, 'manifest.json'), body);

describe('reading a hostile saved folder', () => {
  it('a manifest that is a symbolic link to a file outside the folder', async () => {
    const dir = folder();
    fs.symlinkSync(secret, path.join(dir, 'manifest.json'));
    await expect(readManifest(dir, 'tfsim.x', [1])).rejects.toThrow(/manifest.json must be a regular file, found a symbolic link/);
  });

  it('an array file that is a symbolic link to /dev/zero (would read forever)', async () => {
    const dir = folder();
    fs.symlinkSync('/dev/zero', path.join(dir, 'x.f32'));
    await expect(readArray(dir, { file: 'x.f32', dtype: 'float32', length: 4 }, 'float32')).rejects.toThrow(
      new FormatError(`${path.join(dir, 'x.f32')} must be a regular file, found a symbolic link`),
    );
  });

  it('an array file that is a FIFO (would hang)', async () => {
    const dir = folder();
    execFileSync('mkfifo', [path.join(dir, 'x.f32')]);
    await expect(readArray(dir, { file: 'x.f32', dtype: 'float32', length: 4 }, 'float32')).rejects.toThrow(/found a FIFO/);
  });

  it('an array larger than its manifest says is refused before it is read', async () => {
    const dir = folder();
    await writeArray(dir, 'x.f32', new Float32Array(1024));
    const spy = jest.spyOn(Buffer, 'alloc');
    await expect(readArray(dir, { file: 'x.f32', dtype: 'float32', length: 4 }, 'float32')).rejects.toThrow(
      /x.f32 has 4096 bytes, the manifest says 16/,
    );
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('an array length that is not a count ("lots", 1e300)', async () => {
    const dir = folder();
    await writeArray(dir, 'x.f32', new Float32Array(4));
    for (const length of ['lots', 1e300, -4]) {
      await expect(readArray(dir, { file: 'x.f32', dtype: 'float32', length: length as number }, 'float32')).rejects.toThrow(
        /the manifest gives it an invalid length/,
      );
    }
  });

  it('a manifest that is not JSON: the error does not print the file', async () => {
    const dir = folder();
    manifest(dir, fs.readFileSync(secret, 'utf8'));
    const err = await readManifest(dir, 'tfsim.x', [1]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toBe(`${path.join(dir, 'manifest.json')} is not valid JSON`);
    expect((err as Error).message).not.toMatch(/root/);
  });

  it('a manifest nested 20,000 deep', async () => {
    const dir = folder();
    manifest(dir, `{"format":"tfsim.x","version":1,"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    await expect(readManifest(dir, 'tfsim.x', [1])).rejects.toThrow(/nests deeper than 256 levels/);
  });

  it('a manifest that is a JSON array or too large', async () => {
    const dir = folder();
    manifest(dir, '[1]');
    await expect(readManifest(dir, 'tfsim.x', [1])).rejects.toThrow(/holds format "undefined"/);
    manifest(dir, `{"format":"tfsim.x","version":1,"pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
    await expect(readManifest(dir, 'tfsim.x', [1])).rejects.toThrow(/more than the 16777216 allowed/);
  });

  it('a saved sub-folder that is a symbolic link', async () => {
    const dir = folder();
    fs.symlinkSync(tmp, path.join(dir, 'store'));
    await expect(assertSavedFolder(path.join(dir, 'store'), 'store folder')).rejects.toThrow(
      /the store folder must be a folder, found a symbolic link/,
    );
    await expect(assertSavedFolder(dir)).resolves.toBeUndefined();
  });

  it('parseSavedJson: strings may hold brackets; depth counts only structure', () => {
    expect(parseSavedJson('{"a":"[[[[[[","b":[[1]]}', 'x', 3)).toEqual({ a: '[[[[[[', b: [[1]] });
    expect(() => parseSavedJson('[[[[1]]]]', 'x', 3)).toThrow(new FormatError('x nests deeper than 3 levels'));
  });
});

describe('checkOverwrite: the one overwrite check of every save', () => {
  it('refuses an existing folder, file or dangling link only when overwrite is false', async () => {
    const dir = folder();
    await expect(checkOverwrite(dir, false)).rejects.toThrow(new FolderExistsError(dir));
    await expect(checkOverwrite(dir, true)).resolves.toBeUndefined();
    await expect(checkOverwrite(dir, undefined)).resolves.toBeUndefined();
    const dangling = path.join(tmp, `dangling-${n++}`);
    fs.symlinkSync(path.join(tmp, 'nowhere'), dangling);
    await expect(checkOverwrite(dangling, false)).rejects.toThrow(FolderExistsError);
    await expect(checkOverwrite(path.join(tmp, 'never-made'), false)).resolves.toBeUndefined();
  });
});
