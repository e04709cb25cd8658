/** Plain-text tables for the terminal (the layout of Python's `tabulate`, "simple" format). */

function cell(v: unknown, digits?: number): string {
  if (typeof v === 'number' && digits !== undefined && Number.isFinite(v) && !Number.isInteger(v)) {
    return String(Number(v.toFixed(digits)));
  }
  if (v === null || v === undefined) return '';
  if (v instanceof Float32Array || Array.isArray(v)) return `[${Array.from(v as ArrayLike<unknown>).join(', ')}]`;
  return String(v);
}

/** Rows under an optional header; numbers right-aligned, text left-aligned; floats to `digits` decimals when given. */
export function formatTable(rows: unknown[][], headers?: string[], digits?: number): string {
  const text = rows.map((r) => r.map((v) => cell(v, digits)));
  const numeric = (j: number) => rows.every((r) => typeof r[j] === 'number');
  const cols = Math.max(headers?.length ?? 0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, j) => Math.max(headers?.[j]?.length ?? 0, ...text.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[], align: (j: number) => boolean) =>
    widths
      .map((w, j) => (align(j) ? (cells[j] ?? '').padStart(w) : (cells[j] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out: string[] = [];
  if (headers) out.push(line(headers, numeric), rule);
  else out.push(rule);
  for (const r of text) out.push(line(r, numeric));
  if (!headers) out.push(rule);
  return out.join('\n');
}
