/**
 * Builds our TensorFlow op library (tf-ops.cc, beside this file: the fused
 * Adam update of @tfsim/models' graph-mode training) into @tfsim/models'
 * native/tfsim-tf-ops.node, against the TensorFlow that tfjs-node runs: its
 * deps/ folder when tfjs-node was built from the tensorflow-cpu wheel (the C++
 * headers and libtensorflow_framework.so.2 of the same build). The official
 * libtensorflow download ships the C API headers only: then there is nothing
 * to build against, and graph steps run tfjs' own Adam kernels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { addonLoads, buildAddon, sourceFile } from './addon';

const SOURCE = sourceFile('tf-ops.cc');

/** Where the headers and the framework library are in tfjs-node's folder, or what is missing. */
export function tensorflowBuildDirs(tfjsDir: string): { include: string; lib: string } | { missing: string } {
  const include = path.join(tfjsDir, 'deps', 'include');
  const lib = path.join(tfjsDir, 'deps', 'lib');
  if (!fs.existsSync(path.join(include, 'tensorflow', 'core', 'framework', 'op_kernel.h')))
    return { missing: "tfjs-node's TensorFlow has no C++ headers (deps/include: the official libtensorflow ships the C API only)" };
  if (!fs.existsSync(path.join(lib, 'libtensorflow_framework.so.2')))
    return { missing: "tfjs-node's deps/lib has no libtensorflow_framework.so.2" };
  return { include, lib };
}

/**
 * In a fresh process with tfjs-node loaded, TensorFlow runs the op on one
 * element and answers tfjs' Adam (learning rate 0.01, betas 0.9 and 0.999 at
 * step 3, epsilon 1e-7; the expected values are tfjs' kernels' float32
 * results, computed operation by operation with Math.fround).
 */
function probe(tfjsDir: string): string {
  return `
    const tf = require(${JSON.stringify(tfjsDir)});
    const b = tf.backend();
    const t = (x) => tf.tensor1d([x]);
    const ins = [t(1.5), t(0.25), t(0.0625), t(-0.3), tf.scalar(0.9), tf.scalar(1 - 0.9), tf.scalar(0.999), tf.scalar(1 - 0.999),
      tf.sub(1, tf.scalar(0.9 ** 3)), tf.sub(1, tf.scalar(0.999 ** 3)), tf.scalar(1e-7), tf.scalar(-0.01)];
    if (!a.ops.includes('TfsimAdamUpdate')) throw new Error('no TfsimAdamUpdate in ' + a.ops);
    const out = b.binding.executeOp('TfsimAdamUpdate', [], b.getInputTensorIds(ins), 3).map((m) => b.createOutputTensor(m).dataSync()[0]);
    const want = [1.4984246492385864, 0.19499999284744263, 0.06252750009298325];
    if (out.some((x, i) => x !== want[i])) throw new Error('wrong result ' + out.join(' '));`;
}

/** Whether the library loads next to tfjs-node, was built from today's source, and runs the probe right; '' when it does. */
export function tfOpsLoads(addon: string, tfjsDir: string): string {
  return addonLoads(addon, SOURCE, probe(tfjsDir));
}

/**
 * Beside the library, `<addon>.json` names the TensorFlow framework library it
 * was built against (the real file, past tfjs-node's symlinks). @tfsim/models
 * compares it with the one its process has mapped before it loads the library:
 * an op library loaded into another TensorFlow (tfjs-node upgraded, setup not
 * run again) registers its kernels against another ABI and may crash the
 * process rather than fail.
 */
export function builtAgainstFile(addon: string): string {
  return `${addon}.json`;
}

/** Builds the library unless it loads already (or `force`); returns true when it loads. */
export function setupTfOps(force: boolean, log: (message: string) => void, addon: string, tfjsDir: string): boolean {
  const dirs = tensorflowBuildDirs(tfjsDir);
  if ('missing' in dirs) {
    log(`tf-ops: ${dirs.missing}; skipping (graph steps run tfjs' Adam kernels)`);
    return false;
  }
  const loads = buildAddon(
    {
      name: 'tf-ops',
      source: SOURCE,
      addon,
      hashMacro: 'TFSIM_TF_OPS_SOURCE',
      includes: [dirs.include],
      // TensorFlow's own compile flags for custom ops (tf.sysconfig.get_compile_flags() of the 2.21 wheel); no
      // contraction into fused multiply-adds, which would round once where tfjs' kernels round twice
      cxx: ['-std=c++17', '-D_GLIBCXX_USE_CXX11_ABI=1', '-DEIGEN_MAX_ALIGN_BYTES=64', '-ffp-contract=off', '-fno-math-errno', '-w'],
      libs: [`-L${dirs.lib}`, '-l:libtensorflow_framework.so.2', `-Wl,-rpath,${dirs.lib}`],
      probe: probe(tfjsDir),
      needs: 'a C++17 compiler (g++)',
    },
    force,
    log,
  );
  if (loads) {
    const framework = fs.realpathSync(path.join(dirs.lib, 'libtensorflow_framework.so.2'));
    fs.writeFileSync(builtAgainstFile(addon), `${JSON.stringify({ framework }, null, 2)}\n`);
  }
  return loads;
}
