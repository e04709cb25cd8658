/**
 * A traced step as TensorFlow graph nodes, and its encoding as a SavedModel
 * (`saved_model.pb`: one MetaGraphDef tagged "serve", no variables), the
 * form tfjs-node's session runner loads.
 */
import { ProtoWriter } from './protobuf';

/** TensorFlow's TF_AttrType codes, as tfjs-node passes them to executeOp. */
const ATTR_STRING = 0;
const ATTR_INT = 1;
const ATTR_FLOAT = 2;
const ATTR_BOOL = 3;
const ATTR_TYPE = 4;
const ATTR_SHAPE = 5;

/** An op attribute as tfjs-node passes it to `binding.executeOp`. */
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

export type TypedValues = Float32Array | Int32Array | Uint8Array;

export type GraphNode =
  | { kind: 'placeholder'; name: string; dtype: number; shape: number[] }
  | { kind: 'const'; name: string; dtype: number; shape: number[]; values: TypedValues }
  | { kind: 'op'; name: string; op: string; attrs: OpAttr[]; inputs: string[] };

/**
 * The GraphDef producer version written: one every TensorFlow 2.x library
 * accepts (2.21 is at 2474; an op deprecated before the producer would be refused).
 */
const GRAPH_DEF_PRODUCER = 1205;

function shapeProto(shape: number[]): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of shape) w.message(2, new ProtoWriter().int(1, d));
  return w;
}

function attrValue(attr: OpAttr): ProtoWriter {
  const w = new ProtoWriter();
  const v = attr.value;
  const list = Array.isArray(v);
  switch (attr.type) {
    case ATTR_STRING:
      if (list) throw new Error(`list(string) attribute ${attr.name} is not supported`);
      return w.string(2, String(v));
    case ATTR_INT:
      return list ? w.message(1, new ProtoWriter().packedInts(3, v as number[])) : w.int(3, v as number);
    case ATTR_FLOAT:
      return list ? w.message(1, new ProtoWriter().packedFloats(4, v as number[])) : w.float(4, v as number);
    case ATTR_BOOL:
      return list ? w.message(1, new ProtoWriter().packedInts(5, v as boolean[])) : w.int(5, v as boolean);
    case ATTR_TYPE:
      return list ? w.message(1, new ProtoWriter().packedInts(6, v as number[])) : w.int(6, v as number);
    case ATTR_SHAPE:
      return w.message(7, shapeProto(v as number[]));
    default:
      throw new Error(`attribute ${attr.name} has an unsupported type ${attr.type}`);
  }
}

function bytesOf(values: TypedValues): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function nodeDef(node: GraphNode): ProtoWriter {
  const w = new ProtoWriter().string(1, node.name);
  const attrs: Array<[string, ProtoWriter]> = [];
  if (node.kind === 'placeholder') {
    w.string(2, 'Placeholder');
    attrs.push(['dtype', new ProtoWriter().int(6, node.dtype)], ['shape', new ProtoWriter().message(7, shapeProto(node.shape))]);
  } else if (node.kind === 'const') {
    w.string(2, 'Const');
    const tensor = new ProtoWriter().int(1, node.dtype).message(2, shapeProto(node.shape)).bytes(4, bytesOf(node.values));
    attrs.push(['dtype', new ProtoWriter().int(6, node.dtype)], ['value', new ProtoWriter().message(8, tensor)]);
  } else {
    w.string(2, node.op);
    for (const input of node.inputs) w.string(3, input);
    for (const a of node.attrs) attrs.push([a.name, attrValue(a)]);
  }
  for (const [key, value] of attrs) w.message(5, new ProtoWriter().string(1, key).message(2, value));
  return w;
}

/** The bytes of a `saved_model.pb` holding `nodes` as its one "serve" graph. */
export function savedModelBytes(nodes: GraphNode[]): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(1, nodeDef(n));
  graph.message(4, new ProtoWriter().int(1, GRAPH_DEF_PRODUCER));
  const metaGraph = new ProtoWriter().message(1, new ProtoWriter().string(4, 'serve')).message(2, graph);
  return new ProtoWriter().int(1, 1).message(2, metaGraph).finish();
}
