/**
 * The op library of @tfsim/models: what it needs from tfjs-node's folder, and
 * (where this repository's setup built it) that it loads next to tfjs-node's
 * TensorFlow, runs the probe's Adam step right, and is left alone when it does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { builtAgainstFile, setupTfOps, tensorflowBuildDirs, tfOpsLoads } from '../src/tf-ops';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ADDON = path.join(ROOT, 'packages', 'models', 'native', 'tfsim-tf-ops.node');

function tfjsNodeDir(): string | undefined {
  try {
    return fs.realpathSync(
      path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [path.join(ROOT, 'packages', 'models')] })),
    );
  } catch {
    return undefined;
  }
}

describe('tensorflowBuildDirs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-tf-ops-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names what is missing: the C++ headers (the official libtensorflow's C API only), then the framework library", () => {
    fs.mkdirSync(path.join(dir, 'deps', 'include', 'tensorflow', 'c'), { recursive: true });
    expect(tensorflowBuildDirs(dir)).toEqual({
      missing: "tfjs-node's TensorFlow has no C++ headers (deps/include: the official libtensorflow ships the C API only)",
    });
    fs.mkdirSync(path.join(dir, 'deps', 'include', 'tensorflow', 'core', 'framework'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'deps', 'include', 'tensorflow', 'core', 'framework', 'op_kernel.h'), '');
    expect(tensorflowBuildDirs(dir)).toEqual({ missing: "tfjs-node's deps/lib has no libtensorflow_framework.so.2" });
    fs.mkdirSync(path.join(dir, 'deps', 'lib'));
    fs.writeFileSync(path.join(dir, 'deps', 'lib', 'libtensorflow_framework.so.2'), '');
    expect(tensorflowBuildDirs(dir)).toEqual({ include: path.join(dir, 'deps', 'include'), lib: path.join(dir, 'deps', 'lib') });
  });

  it('setupTfOps skips, saying why, where there is nothing to build against', () => {
    const log: string[] = [];
    expect(setupTfOps(false, (m) => log.push(m), path.join(dir, 'out.node'), path.join(dir, 'nothing'))).toBe(false);
    expect(log).toEqual([
      "tf-ops: tfjs-node's TensorFlow has no C++ headers (deps/include: the official libtensorflow ships the C API only); skipping (graph steps run tfjs' Adam kernels)",
    ]);
    expect(fs.existsSync(path.join(dir, 'out.node'))).toBe(false);
  });
});

const tfjs = tfjsNodeDir();
const built = tfjs !== undefined && fs.existsSync(ADDON);
if (process.env.TFSIM_REQUIRE_NATIVE === '1') {
  it('the repository setup built the op library (TFSIM_REQUIRE_NATIVE)', () => expect(built).toBe(true));
}
(built ? describe : describe.skip)("the op library built by this repository's setup", () => {
  it("loads beside tfjs-node, from today's tf-ops.cc, and runs the probe's Adam step bit for bit", () => {
    expect(tfOpsLoads(ADDON, tfjs!)).toBe('');
  });

  it('is left as it is when it loads (no rebuild)', () => {
    const before = fs.statSync(ADDON).mtimeMs;
    const log: string[] = [];
    expect(setupTfOps(false, (m) => log.push(m), ADDON, tfjs!)).toBe(true);
    expect(log).toEqual(['tf-ops: loads; nothing to do']);
    expect(fs.statSync(ADDON).mtimeMs).toBe(before);
  });

  it("records beside it the real file of the TensorFlow framework it was built against (tfjs-node's, past the symlinks)", () => {
    const record = JSON.parse(fs.readFileSync(builtAgainstFile(ADDON), 'utf8')) as { framework: string };
    expect(record).toEqual({ framework: fs.realpathSync(path.join(tfjs!, 'deps', 'lib', 'libtensorflow_framework.so.2')) });
    expect(fs.lstatSync(record.framework).isSymbolicLink()).toBe(false);
  });

  it('a library that is not there does not load, with the reason', () => {
    expect(tfOpsLoads(path.join(os.tmpdir(), 'no-such-tfsim-tf-ops.node'), tfjs!)).toMatch(/Cannot find module/);
  });
});
