/**
 * Helper threads for LinearSearch's kernel. Lookups are synchronous, so the
 * calling thread posts part of the work to each helper, does its own part,
 * then blocks on an Atomics flag in the shared WebAssembly memory until the
 * helpers are done. A helper that has not picked up its part by then (still
 * starting, or stuck) loses it to the caller, which runs it itself.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

import type { WasmInstance, WasmMemory, WasmModule } from './wasm';

/**
 * A task's slot holds (ticket << 3) | state: the ticket tells a stale message
 * (a part the caller already ran itself) from the current one.
 */
const PENDING = 0;
const DONE = 1;
const FAILED = 2;
const CLAIMED_BY_HELPER = 3;
const CLAIMED_BY_CALLER = 4;

/** Milliseconds the caller waits for a helper to pick up its part before running it itself. */
const PICKUP_GRACE_MS = 500;

/** Byte size of the flag area at the start of every kernel memory: one int32 per helper. */
export const FLAG_BYTES = 64;
export const MAX_HELPERS = FLAG_BYTES / 4 - 1;

// Plain JavaScript run by `new Worker(..., { eval: true })`: no file to locate,
// so it works the same from the TypeScript sources and from dist.
const HELPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, port } = workerData;
parentPort.on('message', (task) => {
  const flags = new Int32Array(task.memory.buffer, 0, ${FLAG_BYTES / 4});
  const base = task.ticket << 3;
  if (Atomics.compareExchange(flags, task.slot, base | ${PENDING}, base | ${CLAIMED_BY_HELPER}) !== (base | ${PENDING})) return;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory: task.memory } });
    for (const args of task.calls) instance.exports.search(...args);
    Atomics.store(flags, task.slot, base | ${DONE});
  } catch (err) {
    port.postMessage(String((err && err.stack) || err));
    Atomics.store(flags, task.slot, base | ${FAILED});
  }
  Atomics.notify(flags, task.slot);
});
`;

interface Helper {
  worker: Worker;
  errors: MessagePort;
}

let helpers: Helper[] | undefined;
let nextTicket = 1;
let helpersFailed = false;

/** The default number of threads a lookup uses: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

function startHelpers(module: WasmModule, count: number): Helper[] {
  if (helpersFailed) return [];
  helpers ??= [];
  try {
    while (helpers.length < Math.min(count, MAX_HELPERS)) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: { module, port: port2 },
        transferList: [port2],
      });
      // Helpers never keep the process alive.
      worker.unref();
      port1.unref();
      helpers.push({ worker, errors: port1 });
    }
  } catch {
    // No worker threads here (a restricted runtime): run everything on the caller.
    helpersFailed = true;
    return [];
  }
  return helpers.slice(0, count);
}

/** Stops the helper threads (they start again on the next parallel lookup). */
export async function stopHelpers(): Promise<void> {
  const stopping = helpers ?? [];
  helpers = undefined;
  await Promise.all(stopping.map((h) => h.worker.terminate()));
}

/**
 * Runs the kernel calls of each part (`search(...args)` for each args in it):
 * part 0 on the calling thread, the others on helpers, and returns when all
 * are done.
 */
export function runParts(module: WasmModule, instance: WasmInstance, memory: WasmMemory, parts: number[][][]): void {
  const kernel = instance.exports.search as (...args: number[]) => void;
  const search = (...calls: number[][]) => {
    for (const args of calls) kernel(...args);
  };
  const workers = parts.length > 1 ? startHelpers(module, parts.length - 1) : [];
  const flags = new Int32Array(memory.buffer, 0, FLAG_BYTES / 4);
  const posted: Array<{ slot: number; base: number; helper: Helper; args: number[][] }> = [];
  for (let i = 1; i < parts.length; i++) {
    const helper = workers[i - 1];
    if (!helper) {
      search(...parts[i]!);
      continue;
    }
    const slot = i;
    const ticket = nextTicket;
    nextTicket = (nextTicket % 0xfffff) + 1;
    const base = ticket << 3;
    Atomics.store(flags, slot, base | PENDING);
    helper.worker.postMessage({ memory, slot, ticket, calls: parts[i] });
    posted.push({ slot, base, helper, args: parts[i]! });
  }
  search(...parts[0]!);
  let failure: string | undefined;
  for (const { slot, base, helper, args } of posted) {
    for (;;) {
      const state = Atomics.load(flags, slot);
      if (state === (base | DONE)) break;
      if (state === (base | FAILED)) {
        failure = (receiveMessageOnPort(helper.errors)?.message as string | undefined) ?? 'unknown error';
        break;
      }
      if (state === (base | PENDING)) {
        if (
          Atomics.wait(flags, slot, base | PENDING, PICKUP_GRACE_MS) === 'timed-out' &&
          Atomics.compareExchange(flags, slot, base | PENDING, base | CLAIMED_BY_CALLER) === (base | PENDING)
        ) {
          search(...args);
          break;
        }
        continue;
      }
      Atomics.wait(flags, slot, base | CLAIMED_BY_HELPER);
    }
  }
  if (failure !== undefined) throw new Error(`LinearSearch helper thread failed: ${failure}`);
}
