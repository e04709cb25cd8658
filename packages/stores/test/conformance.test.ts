import { MemoryStore, type Store } from '../src';
import { STORE_OPERATIONS, type StoreSuiteOptions, testStore } from '../src/conformance';

/** The suite's tests by title, registered with a recording `describe`/`it` instead of jest's. */
function register(options: Omit<StoreSuiteOptions, 'name'>): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  testStore({ describe: (_name, fn) => fn(), it: (name, fn) => void tests.set(name, fn) }, { name: 'recorded', ...options });
  return tests;
}

const SAVE_LOAD = [
  'saves and loads, bit for bit, into a fresh store',
  'saves and loads an empty store',
  'refuses to load a folder of another format or version, and keeps its contents',
];
const CONCURRENT = ['concurrent batchAdds get distinct consecutive ids and keep every record whole'];
const REOPEN = ['keeps everything written across a close and reopen', 'keeps a reset across a reopen'];
const REMOVE_SAVE_LOAD = [
  'save and load keep the ids, the removed ones and the next id',
  'a store that never removed a record saves version 1',
];
const REMOVE_REOPEN = 'removals and updates survive a close and reopen';

describe('testStore', () => {
  const create = async () => new MemoryStore();

  it('picks the operations a store declares it supports', () => {
    const all = [...register({ create }).keys()];
    expect(all).toHaveLength(21);
    expect(all).toEqual(expect.arrayContaining([...SAVE_LOAD, ...CONCURRENT, ...REMOVE_SAVE_LOAD]));
    expect(all).not.toEqual(expect.arrayContaining(REOPEN.slice(0, 1)));
    const bare = [...register({ create, saveLoad: false, concurrentWrites: false }).keys()];
    expect(bare).toEqual(all.filter((title) => ![...SAVE_LOAD, ...CONCURRENT, ...REMOVE_SAVE_LOAD].includes(title)));
    const persistent = [...register({ create, reopen: async (s) => s }).keys()];
    expect(persistent).toEqual([...all, REMOVE_REOPEN, ...REOPEN]);
    const noRemove = [...register({ create, remove: false }).keys()];
    expect(noRemove).toHaveLength(14);
    // Every operation file registers its tests; the runner adds none of its own.
    const perOperation = Object.values(STORE_OPERATIONS).map((op) => {
      let n = 0;
      op({ it: () => void n++, options: { name: 'x', create }, withStore: () => async () => undefined });
      return n;
    });
    expect(perOperation.reduce((a, b) => a + b, 0)).toBe(21);
  });

  it('checks the error code, not the class name or wording', async () => {
    // A store whose unknown-id error reads like ours and is named like ours, but carries no code.
    class CodelessStore extends MemoryStore {
      override async get(id: number) {
        if (id >= (await this.size())) {
          const err = new Error(`id ${id} is not in the store`);
          err.name = 'ValueError';
          throw err;
        }
        return super.get(id);
      }
    }
    const good = register({ create }).get('starts empty')!;
    await expect(good()).resolves.toBeUndefined();
    const codeless = register({ create: async () => new CodelessStore() }).get('starts empty')!;
    await expect(codeless()).rejects.toThrow(/expected code ERR_VALUE, got undefined/);
  });

  it('fails a store that keeps part of a bad batch', async () => {
    class HalfWritingStore extends MemoryStore {
      override async batchAdd(...args: Parameters<Store['batchAdd']>) {
        const rows = args[0];
        if (Array.isArray(rows) && rows.length > 1) await super.batchAdd([rows[0] as ArrayLike<number>]);
        return super.batchAdd(...args);
      }
    }
    const test = register({ create: async () => new HalfWritingStore() }).get(
      'rejects bad input whole: nothing of a bad batch is written',
    )!;
    await expect(test()).rejects.toThrow(/size unchanged after NaN/);
  });
});
