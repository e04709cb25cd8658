/**
 * traceStep on the native backend: the kernels a step runs recorded as graph
 * nodes (op names, inputs, attributes as tfjs-node passes them), the batch
 * and read variables as placeholders, JavaScript-made tensors as constants,
 * replaced variables as outputs, and the reasons a step cannot be a graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, testBackends } from '@tfsim/test-utils';

import type { GraphNode } from '../../src/graph/graph-def';
import { activeNativeBackend, type NativeBackend, nativeId } from '../../src/graph/native';
import { traceStep } from '../../src/graph/trace';

const T = { name: 'T', type: 4, value: 1 };

function describeNodes(nodes: GraphNode[]): string[] {
  return nodes.map((n) => {
    if (n.kind === 'placeholder') return `${n.name}: Placeholder ${n.dtype} [${n.shape.join(',')}]`;
    if (n.kind === 'const') return `${n.name}: Const ${n.dtype} [${n.shape.join(',')}] = ${Array.from(n.values).join(',')}`;
    return `${n.name}: ${n.op}(${n.inputs.join(', ')})`;
  });
}

const native = testBackends().includes('tensorflow');
(native ? describe : describe.skip)('traceStep [tensorflow]', () => {
  let backend: NativeBackend;
  let x: tf.Tensor2D;
  let w: tf.Variable;
  let b: tf.Variable;
  let unused: tf.Variable;
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    backend = activeNativeBackend()!;
    x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    w = tf.variable(
      tf.tensor2d([
        [1, 0],
        [0, -1],
      ]),
      true,
      'trace_w',
    );
    b = tf.variable(tf.tensor1d([0.5, 0.5]), true, 'trace_b');
    unused = tf.variable(tf.zeros([3]), true, 'trace_unused');
  });
  afterAll(() => tf.dispose([x, w, b, unused]));

  it('relu(x @ w + b): written as MatMul, BiasAdd, Relu (tfjs-node ran BatchMatMulV2 and Add); x and the two read variables are placeholders', async () => {
    const { results, trace } = await expectNoLeak(
      () => traceStep(backend, [x], [unused, w, b], () => [tf.tidy(() => tf.relu(tf.add(tf.matMul(x, w), b)))]),
      1,
    );
    expect(results[0]!.arraySync()).toEqual([
      [1.5, 0],
      [3.5, 0],
    ]);
    tf.dispose(results);
    expect(trace.nodes).toEqual([
      { kind: 'placeholder', name: 'in_0', dtype: 1, shape: [2, 2] },
      { kind: 'placeholder', name: 's_1', dtype: 1, shape: [2, 2] },
      { kind: 'placeholder', name: 's_2', dtype: 1, shape: [2] },
      {
        kind: 'op',
        name: 'op_0',
        op: 'MatMul',
        attrs: [T, { name: 'transpose_a', type: 3, value: false }, { name: 'transpose_b', type: 3, value: false }],
        inputs: ['in_0', 's_1'],
      },
      { kind: 'op', name: 'op_1', op: 'BiasAdd', attrs: [T], inputs: ['op_0:0', 's_2'] },
      { kind: 'op', name: 'op_2', op: 'Relu', attrs: [T], inputs: ['op_1:0'] },
    ]);
    // the unused variable (index 0) is neither fed nor output
    expect(trace.stateIn).toEqual([1, 2]);
    expect(trace.outputs).toEqual(['op_2:0']);
    expect(trace.stateOut).toEqual([]);
    expect(trace.unsupported).toBeNull();
  });

  it('tensors made in JavaScript become constants with their values (made inside the step, or native before it)', () => {
    const before = tf.scalar(5);
    nativeId(backend, before); // already a native tensor when the step starts
    const { results, trace } = traceStep(backend, [x], [], () => [tf.tidy(() => tf.add(tf.mul(x, tf.tensor1d([2, 3])), before))]);
    expect(results[0]!.arraySync()).toEqual([
      [7, 11],
      [11, 17],
    ]);
    tf.dispose([...results, before]);
    expect(describeNodes(trace.nodes)).toEqual([
      'in_0: Placeholder 1 [2,2]',
      'c_0: Const 1 [2] = 2,3',
      'c_1: Const 1 [] = 5',
      'op_0: Mul(in_0, c_0)',
      'op_1: Add(op_0:0, c_1)',
    ]);
    expect(trace.unsupported).toBeNull();
  });

  it('an int32 input is a placeholder of TensorFlow type 3; ExpandDims gets the T and Tdim a GraphDef needs', () => {
    const ints = tf.tensor1d([1, 2, 3], 'int32');
    const { results, trace } = traceStep(backend, [ints], [], () => [tf.expandDims(ints, 0)]);
    expect(results[0]!.shape).toEqual([1, 3]);
    tf.dispose([...results, ints]);
    expect(trace.nodes[0]).toEqual({ kind: 'placeholder', name: 'in_0', dtype: 3, shape: [3] });
    const op = trace.nodes.find((n) => n.kind === 'op')!;
    expect(op).toEqual(expect.objectContaining({ op: 'ExpandDims', inputs: ['in_0', 'c_0'] }));
    expect(op.kind === 'op' && op.attrs).toEqual(
      expect.arrayContaining([
        { name: 'T', type: 4, value: 3 },
        { name: 'Tdim', type: 4, value: 3 },
      ]),
    );
  });

  it('an assigned variable: its new value is an output after the results, its index in stateOut', async () => {
    const v = tf.variable(tf.tensor1d([1, 1]), true, 'trace_assigned');
    try {
      const feed = tf.tensor1d([2, 5]);
      const { results, trace } = await expectNoLeak(
        () =>
          traceStep(backend, [feed], [w, v], () =>
            tf.tidy(() => {
              v.assign(tf.mul(v, feed));
              return [tf.sum(v)];
            }),
          ),
        1,
      );
      expect(results[0]!.arraySync()).toBe(7);
      expect(Array.from(v.dataSync())).toEqual([2, 5]);
      tf.dispose([...results, feed]);
      expect(describeNodes(trace.nodes.filter((n) => n.kind !== 'const'))).toEqual([
        'in_0: Placeholder 1 [2]',
        's_1: Placeholder 1 [2]',
        'op_0: Mul(s_1, in_0)',
        expect.stringMatching(/^op_1: Sum\(op_0:0, c_\d+\)$/),
      ]);
      expect(trace.stateIn).toEqual([1]);
      expect(trace.outputs).toEqual(['op_1:0', 'op_0:0']);
      expect(trace.stateOut).toEqual([1]);
      expect(trace.unsupported).toBeNull();
    } finally {
      v.dispose();
    }
  });

  it('equal structure gives equal signatures whatever the constants; another batch shape does not', () => {
    const sig = (feed: tf.Tensor, k: number): string => {
      const { results, trace } = traceStep(backend, [feed], [], () => [tf.mul(feed, tf.scalar(k))]);
      tf.dispose(results);
      return trace.signature;
    };
    const x3 = tf.ones([3, 2]);
    expect(sig(x, 2)).toBe(sig(x, 3));
    expect(sig(x, 2)).not.toBe(sig(x3, 2));
    x3.dispose();
  });

  it('reasons: reading a computed tensor back, a variable set from outside, a new variable; reading the batch is allowed', async () => {
    await expectNoLeak(() => reasons());
  });

  function reasons(): void {
    const plain = traceStep(backend, [x], [w], () => [tf.tidy(() => tf.matMul(x, w))]);
    expect(plain.trace.unsupported).toBeNull();
    tf.dispose(plain.results);

    const back = traceStep(backend, [x], [w], () => {
      const y = tf.matMul(x, w);
      y.dataSync();
      return [y];
    });
    expect(back.trace.unsupported).toBe('the step reads a tensor back to JavaScript (dataSync, data, arraySync or array inside the step)');
    tf.dispose(back.results);

    const batch = traceStep(backend, [x], [w], () =>
      tf.tidy(() => {
        const y = tf.neg(x);
        y.dataSync(); // computed from the batch alone: a label check
        return [tf.matMul(y, w)];
      }),
    );
    expect(batch.trace.unsupported).toBeNull();
    tf.dispose(batch.results);

    const outside = tf.tensor1d([9, 9]);
    nativeId(backend, outside);
    const v = tf.tidy(() => tf.variable(tf.zeros([2]), true, 'trace_outside'));
    const set = traceStep(backend, [x], [v], () => {
      v.assign(outside);
      return [tf.sum(x)];
    });
    expect(set.trace.unsupported).toBe('variable trace_outside is given a tensor made outside the step');
    tf.dispose([...set.results, outside, v]);

    let made: tf.Variable | undefined;
    const creates = traceStep(backend, [x], [], () => {
      made = tf.tidy(() => tf.variable(tf.zeros([1]), true, 'trace_made'));
      return [tf.sum(x)];
    });
    expect(creates.trace.unsupported).toBe('the step creates variables');
    tf.dispose([...creates.results, made!]);
  }

  it('puts the binding and getInputTensorIds back, also when the step throws', () => {
    const binding = backend.binding;
    const getIds = backend.getInputTensorIds;
    expect(Object.prototype.hasOwnProperty.call(backend, 'getInputTensorIds')).toBe(false);
    expect(() =>
      traceStep(backend, [x], [], () => {
        expect(backend.binding).not.toBe(binding);
        throw new Error('step failed');
      }),
    ).toThrow('step failed');
    expect(backend.binding).toBe(binding);
    expect(backend.getInputTensorIds).toBe(getIds);
    expect(Object.prototype.hasOwnProperty.call(backend, 'getInputTensorIds')).toBe(false);
  });
});
