import * as net from 'node:net';

import { redisUnavailable, startRedis } from '../src/redis';

/** One command over the Redis protocol, by hand: the reply's first line. */
function send(url: string, command: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString().split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

const unavailable = redisUnavailable();
(unavailable ? describe.skip : describe)('startRedis', () => {
  it('starts servers that answer, each on its own port, and stops them', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.url).not.toBe(b.url);
      expect(await send(a.url, 'PING')).toBe('+PONG');
      expect(await send(b.url, 'SET k 1')).toBe('+OK');
      expect(await send(a.url, 'EXISTS k')).toBe(':0');
    } finally {
      await a.stop();
      await b.stop();
    }
    if (!process.env.TFSIM_REDIS_URL) await expect(send(a.url, 'PING')).rejects.toThrow(/ECONNREFUSED/);
  });
});
if (unavailable) console.warn(`startRedis tests SKIPPED: ${unavailable}`);
