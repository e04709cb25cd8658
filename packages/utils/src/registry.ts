import { TfsimError, UnknownNameError, ValueError } from './errors';

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

/** An object saved by class name: `{ className, config }`, JSON-safe. */
export interface SerializedClass {
  className: string;
  config: Record<string, unknown>;
}

/** A class a ClassRegistry can restore: built from its saved config, which `getConfig()` (optional) returns. */
export type RegisteredClass<T> = new (...args: never[]) => T;

/**
 * Classes by name, so that an object (a custom matcher, a custom evaluator)
 * can be saved as `{ className, config }` and built again on load. The user
 * registers a class once (`registerMatcher(MyMatcher)`); an instance is known
 * by its exact class. A load that meets a name nobody registered fails with
 * an error that says how to register it.
 */
export class ClassRegistry<T extends object> {
  private readonly names: Registry<(config: Record<string, unknown>) => T>;
  private readonly byClass = new Map<unknown, string>();

  /** `kind` is used in messages ("matcher"); `registerCall` names the function users call to register. */
  constructor(
    readonly kind: string,
    private readonly registerCall: string,
  ) {
    this.names = new Registry(kind);
  }

  /**
   * Registers `cls` under `name` (default: its class name) and `aliases`;
   * restored as `fromConfig(config)`, by default `new cls(config)`.
   */
  register(
    cls: RegisteredClass<T>,
    options: { name?: string; aliases?: readonly string[]; fromConfig?: (config: Record<string, unknown>) => T } = {},
  ): string {
    if (typeof cls !== 'function') throw new TfsimError(`${this.registerCall} needs a class`);
    const name = options.name ?? cls.name;
    if (!name) throw new TfsimError(`${this.registerCall}: an anonymous class needs a name ({ name: '...' })`);
    if (this.byClass.has(cls)) throw new TfsimError(`${this.kind} class ${cls.name} is already registered as "${this.byClass.get(cls)}"`);
    const make =
      options.fromConfig ??
      ((config: Record<string, unknown>) => new (cls as unknown as new (config: Record<string, unknown>) => T)(config));
    this.names.register([name, ...(options.aliases ?? [])], () => make);
    this.byClass.set(cls, name);
    return name;
  }

  /** The registered name of an instance's class, or undefined. */
  nameOf(instance: T): string | undefined {
    return this.byClass.get(instance.constructor);
  }

  /** Registered names. */
  registered(): string[] {
    return this.names.names();
  }

  /**
   * `{ className, config }` of an instance: its registered name (else its
   * class name, which a load will refuse until registered) and its
   * `getConfig()` (else `{}`), JSON-safe.
   */
  serialize(instance: T): SerializedClass {
    const className = this.nameOf(instance) ?? instance.constructor.name;
    const getConfig = (instance as { getConfig?: () => unknown }).getConfig;
    const config = typeof getConfig === 'function' ? getConfig.call(instance) : {};
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new ValueError(
        `${className}.getConfig() must return an object (the ${this.kind}'s saved options), got ${Array.isArray(config) ? 'an array' : String(config)}`,
      );
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(config);
    } catch (err) {
      throw new ValueError(`${className}.getConfig() must return JSON-safe values`, { cause: err });
    }
    return { className, config: JSON.parse(json!) as Record<string, unknown> };
  }

  /** A new instance from `{ className, config }`; an unknown name says how to register it. */
  deserialize(saved: SerializedClass): T {
    const name = String(saved.className);
    if (!this.names.has(name)) {
      throw new UnknownNameError(
        this.kind,
        name,
        this.registered(),
        `A custom ${this.kind} must be registered before loading: ${this.registerCall}(${name}) with its class`,
      );
    }
    return this.names.get(name)({ ...saved.config });
  }
}
