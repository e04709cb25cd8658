/**
 * Labels that are not integers. The store, the search, the matchers and the
 * evaluators work on integer labels; an index whose labels are strings (or
 * any other JSON value) keeps them in a table beside the store and stores
 * each label's row of the table instead. An index of integer labels has an
 * empty table and stores its labels as they are.
 *
 * One kind per index: integer labels, or table labels. Python keeps what
 * numpy holds, and numpy makes a mixed list all strings (`[1, 'cat']` becomes
 * `['1', 'cat']`), silently; here mixing is an error that names the first
 * label of the other kind.
 */
import { FormatError, type Label, parseSavedJson, ShapeError, toLabel, toLabels, ValueError } from '@tfsim/utils/core';

/** A label of an index: an integer, or any JSON value kept in the label table. */
export type IndexLabel = Label | string | boolean | JsonLabel[] | { [key: string]: JsonLabel };
type JsonLabel = number | string | boolean | null | JsonLabel[] | { [key: string]: JsonLabel };

/**
 * The JSON text of a value with object keys sorted, so that equal values give
 * equal texts. Numbers must be finite (JSON.stringify would turn NaN into
 * null); only plain JSON values (no undefined, functions, BigInt, class
 * instances, cycles).
 */
export function canonicalJson(value: unknown, what: string, seen: unknown[] = []): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValueError(`${what} holds ${value}, which JSON cannot hold`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new ValueError(`${what} is not a JSON value (it holds a ${typeof value})`);
  if (seen.includes(value)) throw new ValueError(`${what} is not a JSON value (it holds a cycle)`);
  seen.push(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((v, i) => canonicalJson(v, `${what}[${i}]`, seen)).join(',')}]`;
  } else {
    // a plain object's prototype is Object.prototype (of whichever realm made it), whose own prototype is null
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== null && Object.getPrototypeOf(proto) !== null)
      throw new ValueError(`${what} is not a JSON value (it holds a class instance)`);
    const record = value as Record<string, unknown>;
    text = `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], `${what}.${k}`, seen)}`)
      .join(',')}}`;
  }
  seen.pop();
  return text;
}

/** True for what the integer path reads: a number, or a one-value column row holding a number. */
function isNumeric(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (ArrayBuffer.isView(v)) return true;
  return Array.isArray(v) && v.length === 1 && typeof v[0] === 'number';
}

/** Labels of a batch, encoded: store labels, and the table texts the batch adds (not yet in the table). */
export interface EncodedLabels {
  ids: Array<Label | null>;
  added: string[];
}

export class LabelTable {
  private texts: string[] = [];
  private rows = new Map<string, number>();

  /** Number of distinct table labels; 0 for an index of integer labels. */
  get size(): number {
    return this.texts.length;
  }

  /** The table's JSON texts, row by row (for saving). */
  entries(): readonly string[] {
    return this.texts;
  }

  /**
   * Store labels for `labels` (null entries stay null). Integer labels pass
   * as they are while the table is empty; other JSON values get their table
   * row, new ones the rows after the table's (returned in `added`: the table
   * changes only when `commit` is called, once the batch is stored).
   */
  encode(labels: ArrayLike<unknown>, expected: number, op: string, one = false): EncodedLabels {
    if (labels == null || typeof labels.length !== 'number' || typeof labels === 'string') {
      throw new ShapeError(`labels (${op}) must be an array of labels, got ${typeof labels}`);
    }
    if (labels.length !== expected)
      throw new ShapeError(`labels (${op}) has ${labels.length} entries but there are ${expected} embeddings`);
    const first = Array.from(labels).findIndex((v) => v != null);
    if (first < 0) return { ids: Array.from(labels, () => null), added: [] };
    if (isNumeric(labels[first])) {
      if (this.size > 0) throw this.mixed(labels[first], first, op);
      const other = Array.from(labels).findIndex((v) => v != null && !isNumeric(v));
      if (other >= 0)
        throw new ValueError(
          `labels (${op}) mixes integers (labels[${first}]) and other values (labels[${other}] is ${shortJson(labels[other])}): one kind per index`,
        );
      const ids = one
        ? [toLabel(labels[0], { name: 'label', op, nullable: true })]
        : toLabels(labels, { name: 'labels', op, nullable: true });
      return { ids, added: [] };
    }
    const ids: Array<Label | null> = new Array(labels.length);
    const added: string[] = [];
    const pending = new Map<string, number>();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (v == null) {
        ids[i] = null;
        continue;
      }
      if (isNumeric(v))
        throw new ValueError(
          `labels (${op}) mixes other values (labels[${first}]) and integers (labels[${i}] is ${shortJson(v)}): one kind per index`,
        );
      const text = canonicalJson(v, `labels[${i}] (${op})`);
      let row = this.rows.get(text) ?? pending.get(text);
      if (row === undefined) {
        row = this.texts.length + added.length;
        pending.set(text, row);
        added.push(text);
      }
      ids[i] = row;
    }
    return { ids, added };
  }

  /** Adds the rows `encode` returned in `added`, after the batch holding them was stored. */
  commit(added: readonly string[]): void {
    for (const text of added) {
      if (!this.rows.has(text)) {
        this.rows.set(text, this.texts.length);
        this.texts.push(text);
      }
    }
  }

  /**
   * Query labels for evaluation, as store labels: a table label the index
   * holds gets its row; one it does not hold gets a negative number, the
   * same for equal values, so that it matches no indexed item.
   */
  encodeTargets(labels: ArrayLike<unknown>, expected: number, op: string): Float64Array {
    if (labels == null || typeof labels.length !== 'number' || typeof labels === 'string') {
      throw new ShapeError(`targetLabels (${op}) must be an array of labels`);
    }
    if (labels.length !== expected)
      throw new ShapeError(`targetLabels (${op}) has ${labels.length} entries but there are ${expected} queries`);
    // an index without a table holds integer labels (or none): its queries have integer labels
    if (this.size === 0) return toLabels(labels, { name: 'targetLabels', op, expected: { length: expected, of: 'queries' } });
    const out = new Float64Array(labels.length);
    const unknown = new Map<string, number>();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (v == null) throw new ValueError(`targetLabels[${i}] (${op}) is ${String(v)}; every query needs a label`);
      if (isNumeric(v)) throw this.mixed(v, i, op, 'targetLabels');
      const text = canonicalJson(v, `targetLabels[${i}] (${op})`);
      const row = this.rows.get(text);
      if (row !== undefined) out[i] = row;
      else {
        if (!unknown.has(text)) unknown.set(text, -1 - unknown.size);
        out[i] = unknown.get(text)!;
      }
    }
    return out;
  }

  /** The label a store label stands for: itself for integer labels, the table's value otherwise (a fresh copy). */
  decode(label: Label | null | undefined): IndexLabel | null {
    if (label === null || label === undefined) return null;
    if (this.size === 0) return label;
    const text = this.texts[label];
    if (text === undefined) {
      throw new FormatError(`the store holds label ${label}, but the label table has rows 0 to ${this.size - 1}`);
    }
    return JSON.parse(text) as IndexLabel;
  }

  /** Rows of the table, as `decode` would return them, for many store labels at once. */
  decodeAll(labels: ArrayLike<Label | null | undefined>): Array<IndexLabel | null> {
    return Array.from(labels, (l) => this.decode(l));
  }

  clear(): void {
    this.texts = [];
    this.rows = new Map();
  }

  /** The table as saved: a JSON array of the labels, in row order. */
  toJson(): string {
    return `[${this.texts.join(',')}]`;
  }

  /**
   * A table read from a saved file, checked: a JSON array of distinct labels,
   * none null and none an integer (an index of integer labels saves no table).
   */
  static fromJson(text: string, where: string): LabelTable {
    const parsed = parseSavedJson(text, where);
    if (!Array.isArray(parsed)) throw new FormatError(`${where} must be a JSON array of labels`);
    const table = new LabelTable();
    parsed.forEach((v, i) => {
      if (v === null || typeof v === 'number') {
        throw new FormatError(
          `${where}: entry ${i} is ${v === null ? 'null' : 'a number'}; a label table holds strings or other JSON values`,
        );
      }
      const text = canonicalJson(v, `${where} entry ${i}`);
      if (table.rows.has(text)) throw new FormatError(`${where}: entries ${table.rows.get(text)} and ${i} hold the same label`);
      table.rows.set(text, i);
      table.texts.push(text);
    });
    return table;
  }

  private mixed(v: unknown, i: number, op: string, name = 'labels'): ValueError {
    return new ValueError(
      `${name}[${i}] (${op}) is ${shortJson(v)}, but the index holds ${this.size > 0 ? 'string or JSON labels' : 'integer labels'}: one kind per index`,
    );
  }
}

function shortJson(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined;
  }
  text ??= String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
