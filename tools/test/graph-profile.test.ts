/**
 * bench:graph-profile's first half at a tiny size (no Python): the compiled
 * bench step written out as the SavedModel a fit runs (MatMul, BiasAdd and
 * ReluGrad, no Step chain) with one run's feeds and the state's initial
 * values as .npy files named in its manifest, with our op library when the
 * graph runs its fused Adam. The Python replay is exercised by running the benchmark.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { testBackends } from '@tfsim/test-utils';

import { npyHeader, readNpyRows } from '../bench/common';
import { writeCompiledStep } from '../bench/graph-profile';

(testBackends().includes('tensorflow') ? describe : describe.skip)('writeCompiledStep', () => {
  it('writes the dense bench step: its graph, the batch and the rate as feeds, the loss as fetch, the state as init feeds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-graph-profile-test-'));
    try {
      const adam = await writeCompiledStep(dir, 'dense', 8, 6);
      const graph = fs.readFileSync(path.join(dir, 'saved_model.pb')).toString('latin1');
      for (const op of ['MatMul', 'BiasAdd', 'ReluGrad']) expect(graph).toContain(op);
      expect(graph).not.toContain('IsNan'); // the Step chain's first kernel (the loss has Selects of its own)
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
        inputs: Array<{ name: string; file: string }>;
        outputs: string[];
      };
      expect(manifest.inputs.slice(0, 2).map((i) => i.name)).toEqual(['in_0:0', 'in_1:0']);
      const x = npyHeader(path.join(dir, manifest.inputs[0]!.file));
      expect(x).toMatchObject({ descr: '<f4', shape: [8, 6, 6, 1] });
      const labels = npyHeader(path.join(dir, manifest.inputs[1]!.file));
      expect(labels).toMatchObject({ descr: '<i4', shape: [8] });
      expect(Array.from(readNpyRows<Int32Array>(labels, 0, 8))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
      // 3 dense layers x (kernel, bias) x (weight, Adam m, Adam v), plus Adam's two beta powers: resource variables
      // of the graph, written once by the init signature, neither fed nor fetched by the step
      const init = (manifest as unknown as { init: { inputs: Array<{ name: string; file: string }>; output: string } }).init;
      expect(init.inputs).toHaveLength(20);
      expect(init.output).toBe('init_done:0');
      expect(manifest.inputs.some((i) => i.name.startsWith('s_'))).toBe(false);
      expect(manifest.outputs).toEqual(['r_0:0']); // the loss alone
      for (const i of [...manifest.inputs, ...init.inputs]) expect(fs.existsSync(path.join(dir, i.file))).toBe(true);
      // the rest are Adam's learning-rate constants, fed at each run: plus or minus 1e-3
      const rates = manifest.inputs
        .filter((i) => i.name.startsWith('c_'))
        .map((i) => readNpyRows<Float32Array>(npyHeader(path.join(dir, i.file)), 0, 1)[0]!);
      expect(rates.length).toBe(manifest.inputs.length - 2);
      expect(rates.length).toBeGreaterThan(0);
      for (const r of rates) expect(Math.abs(r)).toBe(Math.fround(1e-3));
      // where our op library is built the graph runs the fused Adam (one node per variable), and the replay must load it
      const { opLibraryPath } = await import('@tfsim/models');
      if (fs.existsSync(opLibraryPath())) {
        expect(adam).toBe('Adam fused (TfsimAdamUpdate) for 6 variables');
        expect(graph.split('TfsimAdamUpdate').length - 1).toBe(6);
        expect((manifest as unknown as { opLibrary: string }).opLibrary).toBe(opLibraryPath());
      } else {
        expect(adam).toMatch(/^Adam as tfjs' kernels \(the TensorFlow op library is not built/);
        expect(manifest).not.toHaveProperty('opLibrary');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
