import { MemoryStore } from '../src';
import { testStore } from '../src/conformance';

testStore({ describe, it }, { name: 'MemoryStore', create: async () => new MemoryStore() });

describe('MemoryStore', () => {
  it('defaults its name to "memory" and reports it in its config', () => {
    expect(new MemoryStore().getConfig()).toEqual({ type: 'memory', name: 'memory' });
    expect(new MemoryStore({ name: 'train' }).name).toBe('train');
  });
});
