/**
 * savedModelBytes decoded back with a small wire-format reader written here
 * (independent of ProtoWriter), field numbers from TensorFlow's protos
 * (saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
 * attr_value.proto, tensor.proto, tensor_shape.proto); and, on the native
 * backend, the bytes loaded and run by TensorFlow itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, tempDir, testBackends } from '@tfsim/test-utils';

import { type GraphNode, savedModelBytes } from '../../src/graph/graph-def';
import { activeNativeBackend } from '../../src/graph/native';

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0). */
  int?: bigint;
  /** Payload (wire 2) or the 4 bytes (wire 5). */
  data?: Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated varint');
    const b = buf[at++]!;
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return [result, at];
  }
}

function parse(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, n] = readVarint(buf, at);
      fields.push({ field, wire, int: v });
      at = n;
    } else if (wire === 2) {
      const [len, n] = readVarint(buf, at);
      const end = n + Number(len);
      if (end > buf.length) throw new Error('truncated field');
      fields.push({ field, wire, data: buf.subarray(n, end) });
      at = end;
    } else if (wire === 5) {
      fields.push({ field, wire, data: buf.subarray(at, at + 4) });
      at += 4;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return fields;
}

const all = (fs_: Field[], n: number): Field[] => fs_.filter((f) => f.field === n);
function one(fs_: Field[], n: number): Field {
  const found = all(fs_, n);
  if (found.length !== 1) throw new Error(`field ${n} occurs ${found.length} times`);
  return found[0]!;
}
const text = (f: Field): string => new TextDecoder().decode(f.data);
const sub = (f: Field): Field[] => parse(f.data!);
const int64 = (v: bigint): number => Number(BigInt.asIntN(64, v));
const f32 = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, 4).getFloat32(0, true);
function packed(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at < data.length;) {
    const [v, n] = readVarint(data, at);
    out.push(int64(v));
    at = n;
  }
  return out;
}
const dims = (shape: Field[]): number[] => all(shape, 2).map((d) => int64(one(sub(d), 1).int!));

interface DecodedNode {
  name: string;
  op: string;
  inputs: string[];
  attrs: Record<string, Field[]>;
}

/** SavedModel -> its one MetaGraphDef's tags, GraphDef nodes and producer. */
function decode(bytes: Uint8Array): { schema: number; tags: string[]; nodes: DecodedNode[]; producer: number } {
  const saved = parse(bytes);
  const meta = sub(one(saved, 2));
  const graph = sub(one(meta, 2));
  const nodes = all(graph, 1).map((nf) => {
    const n = sub(nf);
    const attrs: Record<string, Field[]> = {};
    for (const a of all(n, 5)) {
      const entry = sub(a);
      attrs[text(one(entry, 1))] = sub(one(entry, 2));
    }
    return { name: text(one(n, 1)), op: text(one(n, 2)), inputs: all(n, 3).map(text), attrs };
  });
  return {
    schema: Number(one(saved, 1).int),
    tags: all(sub(one(meta, 1)), 4).map(text),
    nodes,
    producer: Number(one(sub(one(graph, 4)), 1).int),
  };
}

const graph: GraphNode[] = [
  { kind: 'placeholder', name: 'a', dtype: 1, shape: [2] },
  { kind: 'placeholder', name: 'b', dtype: 1, shape: [-1, 2] },
  { kind: 'const', name: 'c', dtype: 1, shape: [2], values: Float32Array.from([0.5, -1]) },
  { kind: 'const', name: 'axis', dtype: 3, shape: [1], values: Int32Array.from([0]) },
  { kind: 'op', name: 'op_0', op: 'Mul', attrs: [{ name: 'T', type: 4, value: 1 }], inputs: ['a', 'b'] },
  { kind: 'op', name: 'op_1', op: 'AddV2', attrs: [{ name: 'T', type: 4, value: 1 }], inputs: ['op_0:0', 'c'] },
  {
    kind: 'op',
    name: 'op_2',
    op: 'Sum',
    attrs: [
      { name: 'T', type: 4, value: 1 },
      { name: 'Tidx', type: 4, value: 3 },
      { name: 'keep_dims', type: 3, value: true },
    ],
    inputs: ['op_1:0', 'axis'],
  },
];

describe('savedModelBytes: the wire format', () => {
  it('one MetaGraphDef tagged "serve", schema version 1, producer 1205, nodes in order', () => {
    const d = decode(savedModelBytes(graph));
    expect(d.schema).toBe(1);
    expect(d.tags).toEqual(['serve']);
    expect(d.producer).toBe(1205);
    expect(d.nodes.map((n) => [n.name, n.op, n.inputs])).toEqual([
      ['a', 'Placeholder', []],
      ['b', 'Placeholder', []],
      ['c', 'Const', []],
      ['axis', 'Const', []],
      ['op_0', 'Mul', ['a', 'b']],
      ['op_1', 'AddV2', ['op_0:0', 'c']],
      ['op_2', 'Sum', ['op_1:0', 'axis']],
    ]);
  });

  it('placeholders: dtype (AttrValue.type, field 6) and shape (field 7), -1 for an unknown dimension', () => {
    const [, b] = decode(savedModelBytes(graph)).nodes;
    expect(Object.keys(b!.attrs)).toEqual(['dtype', 'shape']);
    expect(Number(one(b!.attrs.dtype!, 6).int)).toBe(1);
    expect(dims(sub(one(b!.attrs.shape!, 7)))).toEqual([-1, 2]);
  });

  it('constants: a TensorProto (field 8) with dtype, shape and the raw little-endian tensor_content', () => {
    const nodes = decode(savedModelBytes(graph)).nodes;
    const c = nodes[2]!;
    expect(Number(one(c.attrs.dtype!, 6).int)).toBe(1);
    const tensor = sub(one(c.attrs.value!, 8));
    expect(Number(one(tensor, 1).int)).toBe(1);
    expect(dims(sub(one(tensor, 2)))).toEqual([2]);
    const content = one(tensor, 4).data!;
    expect(content.length).toBe(8);
    expect([f32(content), f32(content.subarray(4))]).toEqual([0.5, -1]);
    const axis = sub(one(nodes[3]!.attrs.value!, 8));
    expect(Number(one(axis, 1).int)).toBe(3);
    expect(Array.from(one(axis, 4).data!)).toEqual([0, 0, 0, 0]);
  });

  it('a scalar constant has a shape with no dims; a view into a larger buffer writes only its own bytes', () => {
    const buffer = Float32Array.from([9, 2.5, 9]);
    const d = decode(savedModelBytes([{ kind: 'const', name: 'k', dtype: 1, shape: [], values: buffer.subarray(1, 2) }]));
    const tensor = sub(one(d.nodes[0]!.attrs.value!, 8));
    expect(dims(sub(one(tensor, 2)))).toEqual([]);
    expect(one(tensor, 4).data!.length).toBe(4);
    expect(f32(one(tensor, 4).data!)).toBe(2.5);
  });

  it('op attributes of each type: string, int, float, bool, type, shape, and their lists', () => {
    const node: GraphNode = {
      kind: 'op',
      name: 'x',
      op: 'Anything',
      inputs: [],
      attrs: [
        { name: 's', type: 0, value: 'SAME' },
        { name: 'i', type: 1, value: -3 },
        { name: 'f', type: 2, value: 0.25 },
        { name: 'b', type: 3, value: false },
        { name: 't', type: 4, value: 3 },
        { name: 'shape', type: 5, value: [4, -1] },
        { name: 'li', type: 1, value: [1, 2, 300] },
        { name: 'lf', type: 2, value: [1.5, -2] },
        { name: 'lb', type: 3, value: [true, false] },
        { name: 'lt', type: 4, value: [1, 3] },
      ],
    };
    const a = decode(savedModelBytes([node])).nodes[0]!.attrs;
    expect(Object.keys(a)).toEqual(['s', 'i', 'f', 'b', 't', 'shape', 'li', 'lf', 'lb', 'lt']);
    expect(text(one(a.s!, 2))).toBe('SAME');
    expect(int64(one(a.i!, 3).int!)).toBe(-3);
    expect(f32(one(a.f!, 4).data!)).toBe(0.25);
    expect(one(a.b!, 5).int).toBe(0n);
    expect(one(a.b!, 5).wire).toBe(0);
    expect(Number(one(a.t!, 6).int)).toBe(3);
    expect(dims(sub(one(a.shape!, 7)))).toEqual([4, -1]);
    expect(packed(one(sub(one(a.li!, 1)), 3).data!)).toEqual([1, 2, 300]);
    const lf = one(sub(one(a.lf!, 1)), 4).data!;
    expect([f32(lf), f32(lf.subarray(4))]).toEqual([1.5, -2]);
    expect(packed(one(sub(one(a.lb!, 1)), 5).data!)).toEqual([1, 0]);
    expect(packed(one(sub(one(a.lt!, 1)), 6).data!)).toEqual([1, 3]);
  });

  it('refuses list(string) and unknown attribute types, naming the attribute', () => {
    const op = (type: number, value: unknown): GraphNode[] => [
      { kind: 'op', name: 'x', op: 'X', inputs: [], attrs: [{ name: 'attrName', type, value }] },
    ];
    expect(() => savedModelBytes(op(0, ['a']))).toThrow('list(string) attribute attrName is not supported');
    expect(() => savedModelBytes(op(9, 1))).toThrow('attribute attrName has an unsupported type 9');
  });
});

const native = testBackends().includes('tensorflow');
(native ? describe : describe.skip)('savedModelBytes: loaded by TensorFlow [tensorflow]', () => {
  const dir = tempDir('tfsim-graph-def-');
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
  });

  it('runs a*b+c and its sum over axis 0 (keep_dims) with the right numbers', async () => {
    const backend = activeNativeBackend()!;
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), savedModelBytes(graph));
    const session = backend.binding.loadSavedModel(dir, 'serve');
    try {
      const [y, s] = await expectNoLeak(() => {
        const a = tf.tensor1d([2, 3]);
        const b = tf.tensor2d([
          [1, 2],
          [10, -1],
        ]);
        const metas = backend.binding.runSavedModel(session, backend.getInputTensorIds([a, b]), 'a:0,b:0', 'op_1:0,op_2:0');
        const out = metas.map((m) => backend.createOutputTensor(m));
        const values = [out[0]!.arraySync(), out[1]!.arraySync()];
        expect(out[1]!.shape).toEqual([1, 2]);
        tf.dispose([a, b, ...out]);
        return values;
      });
      // a*b = [[2, 6], [20, -3]]; + c = [[2.5, 5], [20.5, -4]]; summed over rows: [[23, 1]]
      expect(y).toEqual([
        [2.5, 5],
        [20.5, -4],
      ]);
      expect(s).toEqual([[23, 1]]);
    } finally {
      backend.binding.deleteSavedModel(session);
    }
  });
});
