import { moduleOrThrow, optionalModule } from '../src/optional';

describe('optionalModule', () => {
  it('loads on the first call only, and keeps the module', () => {
    let calls = 0;
    const load = optionalModule(() => ({ id: ++calls }));
    expect(calls).toBe(0);
    const first = load();
    expect(load()).toBe(first);
    expect(first).toEqual({ module: { id: 1 } });
    expect(calls).toBe(1);
  });

  it("keeps the first line of a failed load's error, with the hint, and does not retry", () => {
    let calls = 0;
    const load = optionalModule(() => {
      calls++;
      throw new Error('Cannot find module x\nRequire stack: a, b');
    }, ' (build it first)');
    expect(load()).toEqual({ error: 'Cannot find module x (build it first)' });
    expect(load().module).toBeUndefined();
    expect(calls).toBe(1);
  });
});

describe('moduleOrThrow', () => {
  it('returns the loaded module', () => {
    const binding = { version: 3 };
    expect(moduleOrThrow({ module: binding }, 'MySearch', 'the package p', 'or use LinearSearch')).toBe(binding);
  });

  it('is a BackendError naming who needs what, why it does not load, and what to do instead', () => {
    expect(() => moduleOrThrow({ error: 'Cannot find module p' }, 'MySearch', 'the package p', 'install it, or use LinearSearch')).toThrow(
      expect.objectContaining({
        code: 'ERR_BACKEND',
        message: 'MySearch needs the package p, which does not load here (Cannot find module p); install it, or use LinearSearch',
      }),
    );
  });
});
