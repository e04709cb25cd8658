import { Writable } from 'node:stream';
import { createProgress } from '../src';

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
