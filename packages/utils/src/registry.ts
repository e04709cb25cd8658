import { TfsimError, UnknownNameError } from './errors';

/**
 * Name lookup shared by distances, metrics, matchers and losses: each entry has
 * a canonical name and aliases, matched case-insensitively, and an unknown name
 * is an error that lists the known ones.
 */
export class Registry<T> {
  private readonly entries = new Map<string, { canonical: string; create: () => T }>();
  private readonly canonicalNames: string[] = [];

  /** `kind` is used in messages: "distance", "matcher", ... */
  constructor(readonly kind: string) {}

  register(names: readonly string[], create: () => T): void {
    const canonical = names[0];
    if (canonical === undefined) throw new TfsimError(`a ${this.kind} needs at least one name`);
    for (const name of names) {
      const key = name.toLowerCase();
      if (this.entries.has(key)) throw new TfsimError(`${this.kind} name "${name}" is already registered`);
      this.entries.set(key, { canonical, create });
    }
    this.canonicalNames.push(canonical);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** A new instance of the named entry. */
  get(name: string): T {
    const entry = this.entries.get(String(name).toLowerCase());
    if (!entry) throw new UnknownNameError(this.kind, String(name), this.names());
    return entry.create();
  }

  /** The canonical name of `name` (an alias or the name itself). */
  canonical(name: string): string {
    const entry = this.entries.get(String(name).toLowerCase());
    if (!entry) throw new UnknownNameError(this.kind, String(name), this.names());
    return entry.canonical;
  }

  /** Canonical names, in registration order. */
  names(): string[] {
    return [...this.canonicalNames];
  }

  /** Every accepted name, aliases included, lower-cased. */
  aliases(): string[] {
    return [...this.entries.keys()];
  }
}
