import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DEFAULT_DATA_DIR, FASHION_CLASSES, runFashionMnist } from '../src/fashion-mnist/run';

describe('Fashion-MNIST example: bad data paths', () => {
  it('names the folder and the files it expected when the folder does not exist', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-fashion-mnist-folder');
    await expect(runFashionMnist({ dataDir: missing, outDir: null })).rejects.toThrow(
      `data folder ${missing} does not exist; expected a folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]`,
    );
  });

  it('says what the folder holds instead when it has other files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'not-fashion-'));
    fs.writeFileSync(path.join(dir, 'cats.csv'), 'a,b\n');
    try {
      await expect(runFashionMnist({ dataDir: dir, outDir: null })).rejects.toThrow(
        `${dir} has no train-images-idx3-ubyte[.gz] (it holds cats.csv); expected the MNIST-style IDX files`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an IDX file that is not one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-idx-'));
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), 'hello');
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), 'hello');
    try {
      await expect(runFashionMnist({ dataDir: dir, outDir: null })).rejects.toThrow(
        'is not an IDX file (it must start with two zero bytes)',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has the ten Fashion-MNIST class names in label order', () => {
    expect(FASHION_CLASSES).toHaveLength(10);
    expect(FASHION_CLASSES[0]).toBe('T-shirt/top');
    expect(FASHION_CLASSES[9]).toBe('Ankle boot');
    expect(DEFAULT_DATA_DIR).toBe('/usr/share/datasets/fashion-mnist');
  });
});
