import { Rng } from '../src';

describe('Rng', () => {
  it('is xoshiro128**: matches the reference stream from state (1, 2, 3, 4)', () => {
    // Reference values of xoshiro128** (Blackman & Vigna) from state {1, 2, 3, 4},
    // computed independently with Python integers.
    const rng = Rng.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
    expect(sa.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('draws integers uniformly in [0, n)', () => {
    const rng = new Rng(7);
    const counts = new Array(5).fill(0);
    const draws = 50_000;
    for (let i = 0; i < draws; i++) counts[rng.int(5)]++;
    // Each bucket expects 10,000 with sd 89; 5 sd is a safe bound.
    for (const c of counts) expect(Math.abs(c - draws / 5)).toBeLessThan(450);
  });

  it('draws normals with the right mean and standard deviation', () => {
    const rng = new Rng(3);
    const n = 40_000;
    const xs = Array.from({ length: n }, () => rng.normal(2, 3));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - 2)).toBeLessThan(0.05); // se 0.015
    expect(Math.abs(sd - 3)).toBeLessThan(0.05);
  });

  it('samples distinct indices and shuffles to a permutation', () => {
    const rng = new Rng(1);
    const s = rng.sample(10, 10);
    expect([...s].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const k = rng.sample(1000, 50);
    expect(new Set(k).size).toBe(50);
    const items = [1, 2, 3, 4, 5, 6];
    expect([...rng.shuffle([...items])].sort()).toEqual(items);
  });

  it('rejects bad arguments', () => {
    const rng = new Rng(1);
    expect(() => rng.int(0)).toThrow('n must be an integer >= 1, got 0');
    expect(() => rng.sample(3, 4)).toThrow('cannot sample 4 distinct items from 3');
    expect(() => rng.choice([])).toThrow('empty');
    expect(() => new Rng(Number.NaN)).toThrow('seed must be a finite number');
  });
});
