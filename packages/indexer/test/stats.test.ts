import { Indexer } from '../src';
import { formatSeconds, LatencyBuffer, queryPerformance } from '../src/stats';
import { clusters } from './helpers';

describe('query statistics', () => {
  it('min, max, avg, median and (population) stddev', () => {
    const p = queryPerformance(Float64Array.from([4, 1, 3, 2]));
    expect(p).toEqual({ min: 1, max: 4, avg: 2.5, median: 2.5, stddev: Math.sqrt(1.25) });
    expect(queryPerformance(Float64Array.from([5, 1, 3])).median).toBe(3);
    expect(queryPerformance(new Float64Array(0))).toEqual({ min: 0, max: 0, avg: 0, median: 0, stddev: 0 });
  });

  it('equal latencies have a stddev of exactly 0, not float noise', () => {
    // 0.1 three times averages to 0.10000000000000002: the plain sum of squares gives 1.4e-17
    expect(queryPerformance(Float64Array.from([0.1, 0.1, 0.1])).stddev).toBe(0);
  });

  it('formats latencies in milliseconds to three significant digits', () => {
    expect([0.000124027403000004, 0, 1.5, 0.0123456, 2.5e-7].map(formatSeconds)).toEqual([
      '0.124 ms',
      '0 ms',
      '1500 ms',
      '12.3 ms',
      '0.00025 ms',
    ]);
  });

  it('keeps the last statBufferSize latencies', () => {
    const b = new LatencyBuffer(3);
    b.push(1);
    b.push(2, 2);
    b.push(7);
    expect(Array.from(b.toArray())).toEqual([2, 2, 7]);
    expect(Array.from(LatencyBuffer.from(2, [1, 2, 3]).toArray())).toEqual([2, 3]);
  });

  it('counts every query; a batch of n queries adds n latencies of total/n', async () => {
    const { embeddings, labels } = clusters(6, 50, 4, 3);
    const index = new Indexer(4, { statBufferSize: 20 });
    await index.batchAdd(embeddings, labels);
    await index.batchLookup(embeddings.slice(0, 10), 2, false);
    await index.singleLookup(embeddings[0]!);
    const s = await index.stats();
    expect(s.numLookups).toBe(11);
    expect(s.size).toBe(50);
    expect(s.statBufferSize).toBe(20);
    const q = s.queryPerformance;
    expect(q.min).toBeGreaterThan(0);
    expect(q.min).toBeLessThanOrEqual(q.median);
    expect(q.median).toBeLessThanOrEqual(q.max);
    // ten equal batch latencies and one single: the median is the batch's, at one end of the range
    expect([q.min, q.max]).toContain(q.median);
    await index.batchLookup(embeddings, 1, false);
    expect((await index.stats()).numLookups).toBe(61);
  });

  it('printStats prints the settings and the performance tables', async () => {
    const index = new Indexer(4);
    await index.batchAdd(clusters(6, 5, 4, 2).embeddings);
    await index.singleLookup([1, 0, 0, 0]);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await index.printStats();
      const out = log.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(out).toMatch(/\[Info\]/);
      expect(out).toMatch(/distance\s+cosine/);
      expect(out).toMatch(/key value store\s+MemoryStore/);
      expect(out).toMatch(/search algorithm\s+LinearSearch/);
      expect(out).toMatch(/index size\s+5/);
      expect(out).toMatch(/calibrated\s+false/);
      expect(out).toMatch(/\[Performance\]/);
      expect(out).toMatch(/num lookups\s+1/);
      for (const key of ['min', 'max', 'avg', 'median']) expect(out).toMatch(new RegExp(`\\n${key}\\s+\\d+(\\.\\d+)?(e-\\d+)? ms\\n`));
      expect(out).toMatch(/\nstddev\s+0 ms\n/); // one lookup: no spread
    } finally {
      log.mockRestore();
    }
  });
});

describe('progress on a terminal', () => {
  it('batch add, lookups and calibration report progress when verbose, nothing otherwise', async () => {
    const { embeddings, labels } = clusters(7, 40, 4, 3);
    const writes: string[] = [];
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const index = new Indexer(4);
      await index.batchAdd(embeddings, labels, null, { verbose: false });
      await index.batchLookup(embeddings, 2, false);
      await index.calibrate(embeddings, labels, {}, { verbose: false });
      expect(writes).toEqual([]);
      expect(log).not.toHaveBeenCalled();
      await index.batchAdd(embeddings, labels, null, { verbose: true });
      await index.batchLookup(embeddings, 2, true);
      await index.calibrate(embeddings, labels, { '0.5': 0.5 }, { verbose: true });
      const text = writes.join('');
      expect(text).toMatch(/indexing .*40\/40/);
      expect(text).toMatch(/looking up .*40\/40/);
      expect(text).toMatch(/calibrating/);
      const table = log.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(table).toMatch(/name\s+value\s+distance\s+precision\s+recall\s+f1_score/);
      expect(table).toMatch(/optimal/);
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  });
});
