import type { Label } from '@tfsim/utils';

/** Class ids to names: a list indexed by id, a record or a Map. */
export type ClassMapping = readonly string[] | Readonly<Record<number, string>> | ReadonlyMap<number, string>;

/** A label's display name: its mapped name, else the id, else "No Label" (as the Python library shows). */
export function className(label: Label | null | undefined, mapping?: ClassMapping): string {
  if (label === null || label === undefined) return 'No Label';
  let name: string | undefined;
  if (mapping instanceof Map) name = mapping.get(label);
  else if (mapping) name = (mapping as Record<number, string>)[label];
  return name ?? String(label);
}
