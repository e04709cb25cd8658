import { ClassRegistry, Registry, UnknownNameError } from '../src';

describe('Registry', () => {
  const registry = new Registry<{ name: string }>('distance');
  registry.register(['euclidean', 'l2', 'pythagorean'], () => ({ name: 'euclidean' }));
  registry.register(['cosine'], () => ({ name: 'cosine' }));

  it('finds entries by name and alias, case-insensitively, as new instances', () => {
    expect(registry.get('L2').name).toBe('euclidean');
    expect(registry.get('Pythagorean').name).toBe('euclidean');
    expect(registry.get('cosine')).not.toBe(registry.get('cosine'));
    expect(registry.canonical('l2')).toBe('euclidean');
    expect(registry.names()).toEqual(['euclidean', 'cosine']);
  });

  it('lists the known names when a name is unknown', () => {
    expect(() => registry.get('hamming')).toThrow(new UnknownNameError('distance', 'hamming', ['euclidean', 'cosine']));
    expect(() => registry.get('hamming')).toThrow('unknown distance "hamming"; known distances: euclidean, cosine');
  });

  it('refuses a name registered twice', () => {
    expect(() => registry.register(['L2'], () => ({ name: 'x' }))).toThrow('distance name "L2" is already registered');
  });
});

describe('ClassRegistry', () => {
  interface Scorer {
    score(x: number): number;
  }
  class Scale implements Scorer {
    readonly factor: number;
    constructor(config: { factor?: number } = {}) {
      this.factor = config.factor ?? 1;
    }
    score(x: number): number {
      return x * this.factor;
    }
    getConfig(): Record<string, unknown> {
      return { factor: this.factor };
    }
  }
  class Plain implements Scorer {
    score(x: number): number {
      return x + 1;
    }
  }
  class Unregistered extends Scale {}

  const registry = new ClassRegistry<Scorer>('scorer', 'registerScorer');
  registry.register(Scale, { aliases: ['scale_scorer'] });
  registry.register(Plain, { name: 'plain_scorer' });

  it('saves an instance as its registered name and config, and restores an equal one', () => {
    const saved = registry.serialize(new Scale({ factor: 3 }));
    expect(saved).toEqual({ className: 'Scale', config: { factor: 3 } });
    const restored = registry.deserialize(JSON.parse(JSON.stringify(saved)));
    expect(restored).toBeInstanceOf(Scale);
    expect(restored.score(2)).toBe(6);
    expect(registry.deserialize({ className: 'SCALE_scorer', config: { factor: 2 } }).score(2)).toBe(4);
  });

  it('gives a class without getConfig an empty config, under the name it was registered with', () => {
    expect(registry.serialize(new Plain())).toEqual({ className: 'plain_scorer', config: {} });
    expect(registry.deserialize({ className: 'plain_scorer', config: {} }).score(1)).toBe(2);
    expect(registry.registered()).toEqual(['Scale', 'plain_scorer']);
  });

  it('knows an instance by its exact class: a subclass is not its parent', () => {
    expect(registry.nameOf(new Unregistered())).toBeUndefined();
    expect(registry.serialize(new Unregistered({ factor: 2 })).className).toBe('Unregistered');
  });

  it('refuses an unknown name on restore, saying how to register it', () => {
    const err = (() => {
      try {
        registry.deserialize({ className: 'Unregistered', config: {} });
      } catch (e) {
        return e as UnknownNameError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnknownNameError);
    expect(err!.code).toBe('ERR_UNKNOWN_NAME');
    expect(err!.message).toMatch(/unknown scorer "Unregistered"; known scorers: Scale, plain_scorer\. .*registerScorer\(Unregistered\)/);
  });

  it('refuses a class or name registered twice, and a config that is not a JSON-safe object', () => {
    expect(() => registry.register(Scale)).toThrow(/already registered as "Scale"/);
    class Other extends Plain {}
    expect(() => registry.register(Other, { name: 'scale' })).toThrow(/already registered/);
    class BadConfig extends Plain {
      getConfig(): unknown {
        return [1];
      }
    }
    class Cyclic extends Plain {
      getConfig(): unknown {
        const c: Record<string, unknown> = {};
        c.self = c;
        return c;
      }
    }
    expect(() => registry.serialize(new BadConfig())).toThrow(
      expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(/must return an object/) }),
    );
    expect(() => registry.serialize(new Cyclic())).toThrow(
      expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(/JSON-safe/) }),
    );
  });
});
