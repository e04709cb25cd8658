import { Writable } from 'node:stream';

import { createProgress, fitProgress, formatFitLogs } from '../src';

function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => chunks.join('');
  return stream;
}

describe('createProgress', () => {
  const saved = process.env.TFSIM_PROGRESS;
  beforeEach(() => delete process.env.TFSIM_PROGRESS);
  afterAll(() => {
    if (saved === undefined) delete process.env.TFSIM_PROGRESS;
    else process.env.TFSIM_PROGRESS = saved;
  });

  it('draws a bar with counts on a terminal', () => {
    const stream = fakeStream(true);
    const p = createProgress({ label: 'indexing', total: 4, stream, intervalMs: 0 });
    p.tick(2, 'batch 1');
    p.tick(2);
    p.done('4 items');
    const text = stream.text();
    expect(text).toContain('indexing [============>');
    expect(text).toContain('2/4');
    expect(text).toContain('batch 1');
    expect(text).toContain('indexing [========================] 4/4 in');
    expect(text.endsWith('4 items\x1b[K\n')).toBe(true);
  });

  it('is silent when not on a terminal, unless forced', () => {
    const stream = fakeStream(false);
    const p = createProgress({ label: 'x', total: 2, stream, intervalMs: 0 });
    p.tick();
    p.done();
    expect(stream.text()).toBe('');
    expect(p.enabled).toBe(false);
    process.env.TFSIM_PROGRESS = '1';
    const forced = createProgress({ label: 'y', stream, intervalMs: 0 });
    forced.tick(3);
    forced.done();
    expect(stream.text()).toContain('y 3');
  });
});

describe('fitProgress', () => {
  it("shows the metrics of tfjs fit logs to four decimals, without tfjs' batch and size", () => {
    expect(formatFitLogs({ batch: 0, size: 32, loss: 0.123456, acc: 1 })).toBe('loss 0.1235 acc 1.0000');
    expect(formatFitLogs(undefined)).toBe('');
  });

  it('draws one bar per epoch, labelled with the epoch, ending on the epoch logs', async () => {
    const stream = fakeStream(false);
    const callbacks = fitProgress({ epochs: 2, stepsPerEpoch: 2, stream, enabled: true });
    for (const epoch of [0, 1]) {
      await callbacks.onEpochBegin(epoch);
      await callbacks.onBatchEnd(0, { batch: 0, size: 32, loss: 0.5 });
      await callbacks.onBatchEnd(1, { batch: 1, size: 32, loss: 0.25 });
      await callbacks.onEpochEnd(epoch, { loss: 0.375 - epoch / 10 });
    }
    const lines = stream
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\r').pop()!.replace('\x1b[K', ''));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/2 \[========================\] 2\/2 in \d+\.\ds loss 0\.3750$/);
    expect(lines[1]).toMatch(/^epoch 2\/2 \[========================\] 2\/2 in \d+\.\ds loss 0\.2750$/);
    expect(stream.text()).not.toMatch(/batch|size/);
  });
});
