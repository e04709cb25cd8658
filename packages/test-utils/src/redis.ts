/**
 * A throw-away Redis server for tests (RedisStore, an index kept in Redis):
 * Debian's redis-server on a free loopback port, in a temporary folder,
 * without persistence. With TFSIM_REDIS_URL set, that server is used instead.
 * No TensorFlow.js here: import it as `@tfsim/test-utils/redis`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** Why no server can be had here, or undefined when one can. */
export function redisUnavailable(): string | undefined {
  if (process.env.TFSIM_REDIS_URL) return undefined;
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `redis-server is not installed or does not run (${probe.error?.message ?? probe.stderr.trim()}); ` +
      'install it (Debian: apt-get install redis-server) or set TFSIM_REDIS_URL';
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function startOnce(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready on port ${port}: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} on port ${port}: ${output}`));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  if (process.env.TFSIM_REDIS_URL) return { url: process.env.TFSIM_REDIS_URL, stop: async () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-redis-'));
  let lastError: unknown;
  // The free port may be taken by someone else before the server binds it: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const child = await startOnce(port, dir);
      return {
        url: `redis://127.0.0.1:${port}/0`,
        stop: () =>
          new Promise<void>((resolve) => {
            child.once('exit', () => {
              fs.rmSync(dir, { recursive: true, force: true });
              resolve();
            });
            child.kill('SIGTERM');
          }),
      };
    } catch (err) {
      lastError = err;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
