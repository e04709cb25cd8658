import { MemoryStore } from '../src';
import { testStore } from '../src/conformance';

testStore({ describe, it }, { name: 'MemoryStore', create: async () => new MemoryStore() });

describe('MemoryStore', () => {
  it('defaults its name to "memory" and reports it in its config', () => {
    expect(new MemoryStore().getConfig()).toEqual({ type: 'memory', name: 'memory' });
    expect(new MemoryStore({ name: 'train' }).name).toBe('train');
  });
});

describe('MemoryStore options', () => {
  it('rejects an unknown key with a suggestion', () => {
    expect(() => new MemoryStore({ nmae: 'train' } as never)).toThrow("unknown option 'nmae' for MemoryStore; did you mean 'name'?");
    expect(() => new MemoryStore({ verbose: 1 } as never)).toThrow("unknown option 'verbose' for MemoryStore; known options: name");
  });
});
