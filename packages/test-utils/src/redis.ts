/**
 * A throw-away Redis server for tests: Debian's redis-server on a free
 * loopback port, in a temporary folder, without persistence unless asked;
 * it can be restarted on the same port and stalled (SIGSTOP). With
 * TFSIM_REDIS_URL set, that server is used instead (no restart or stall).
 * Imported as `@tfsim/test-utils/redis` (no TensorFlow.js).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
  /** Stops the server, waits `downMs`, starts it again on the same port and folder (own servers only). */
  restart(downMs: number): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that holds its connections and answers nothing (own servers only). */
  pause(): void;
  resume(): void;
}

export interface RedisSettings {
  /** Append-only file with fsync per write, so a restart keeps every acknowledged write. */
  persistent?: boolean;
}

/** Why no server can be had here, or undefined when one can. */
export function redisUnavailable(): string | undefined {
  if (process.env.TFSIM_REDIS_URL) return undefined;
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return (
      `redis-server is not installed or does not run (${probe.error?.message ?? probe.stderr.trim()}); ` +
      'install it (Debian: apt-get install redis-server) or set TFSIM_REDIS_URL'
    );
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

function startOnce(port: number, dir: string, settings: RedisSettings): Promise<ChildProcess> {
  const persistence = settings.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence, '--protected-mode', 'no'],
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

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill('SIGTERM');
  });
}

export async function startRedis(settings: RedisSettings = {}): Promise<TestRedis> {
  if (process.env.TFSIM_REDIS_URL) {
    const unsupported = () => {
      throw new Error('restart/pause need a server of our own; unset TFSIM_REDIS_URL');
    };
    return {
      url: process.env.TFSIM_REDIS_URL,
      stop: async () => undefined,
      restart: async () => unsupported(),
      pause: unsupported,
      resume: unsupported,
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-redis-'));
  let lastError: unknown;
  // The free port may be taken by someone else before the server binds it: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      let child = await startOnce(port, dir, settings);
      return {
        url: `redis://127.0.0.1:${port}/0`,
        stop: async () => {
          await stopChild(child);
          fs.rmSync(dir, { recursive: true, force: true });
        },
        restart: async (downMs) => {
          await stopChild(child);
          await new Promise((resolve) => setTimeout(resolve, downMs));
          child = await startOnce(port, dir, settings);
        },
        pause: () => void child.kill('SIGSTOP'),
        resume: () => void child.kill('SIGCONT'),
      };
    } catch (err) {
      lastError = err;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
