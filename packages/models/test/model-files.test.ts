import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { tempDir } from '@tfsim/test-utils';
import { FormatError } from '@tfsim/utils';

import { loadModel } from '../src/similarity-model';
import { buildMlp } from './fixture';

// Issue 18 item 3: a saved model folder is not trusted. One hostile file per test, made
// from a good save; each loaded a file from outside the folder (or printed it) on main.
const root = tempDir('tfsim-model-hostile-');
let n = 0;
const secret = path.join(root, 'secret.txt');
fs.writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');

async function savedModel(): Promise<string> {
  const model = buildMlp(4, 3, 1, `hostile_${n}`);
  model.createIndex({ distance: 'cosine' });
  const x = tf.tensor2d([
    [1, 0, 0, 0],
    [0, 1, 0, 0],
  ]);
  await model.index(x, [0, 1], undefined, { verbose: 0 });
  x.dispose();
  const dir = path.join(root, `case-${n++}`);
  await model.save(dir, { handler: 'own' });
  model.dispose();
  return dir;
}

function setIndex(dir: string, index: string): void {
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  manifest.index = index;
  fs.writeFileSync(file, JSON.stringify(manifest));
}

describe('loadModel on hostile folders', () => {
  it.each(['..', '.', '', '../other', '/tmp'])('an index folder of %j', async (index) => {
    const dir = await savedModel();
    setIndex(dir, index);
    await expect(loadModel(dir)).rejects.toThrow(
      new FormatError(`${dir}: the manifest field index must name a folder inside the model folder`),
    );
  });

  it('an index folder that is a symbolic link to another saved index', async () => {
    const dir = await savedModel();
    const other = await savedModel();
    fs.rmSync(path.join(dir, 'index'), { recursive: true });
    fs.symlinkSync(path.join(other, 'index'), path.join(dir, 'index'));
    await expect(loadModel(dir)).rejects.toThrow(/the index folder must be a folder, found a symbolic link/);
  });

  it('weights.bin as a symbolic link to a file outside the folder', async () => {
    const dir = await savedModel();
    const outside = path.join(root, `weights-${n}.bin`);
    fs.copyFileSync(path.join(dir, 'weights.bin'), outside);
    fs.rmSync(path.join(dir, 'weights.bin'));
    fs.symlinkSync(outside, path.join(dir, 'weights.bin'));
    await expect(loadModel(dir)).rejects.toThrow(/weights.bin must be a regular file, found a symbolic link/);
  });

  it('weights.bin larger than the model describes is refused before it is read', async () => {
    const dir = await savedModel();
    fs.appendFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(1 << 20));
    await expect(loadModel(dir)).rejects.toThrow(/weights.bin has \d+ bytes, more than the \d+ allowed/);
  });

  it('model.json that is not JSON: the error does not print it', async () => {
    const dir = await savedModel();
    fs.copyFileSync(secret, path.join(dir, 'model.json'));
    const err = (await loadModel(dir).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(FormatError);
    expect(err.message).toBe(`${path.join(dir, 'model.json')} is not valid JSON`);
  });
});
