/**
 * An HTTP lookup server over an index (tensorflow/similarity issue #159):
 * the index side only (no TensorFlow.js), plain node:http, JSON in and out.
 *
 *   GET  /health  -> { status, size, embeddingSize, distance, calibrated }
 *   POST /lookup  { embeddings: number[][], k?: 5, includeEmbeddings?: false }
 *                 -> { neighbors: [{ rank, distance, label, data, embedding? }][] }
 *   POST /match   { embeddings: number[][], k?: 1, noMatchLabel?: -1, matcher? }
 *                 -> { matches: { [cutpoint]: label[] } }   (a calibrated index)
 *
 * Bad input answers 400 with `{ error: { type, message } }` naming the
 * problem (the index's own checks: dimension, NaN, k); an empty or
 * uncalibrated index 409; an unknown path 404; a wrong method 405; a body
 * over `maxBodyBytes` 413.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Indexer } from '@tfsim/indexer';
import { EmptyIndexError, type Lookup, StateError, TfsimError } from '@tfsim/utils';

export interface LookupServerOptions {
  /** Default '127.0.0.1' (loopback: put a proxy in front to expose it). */
  host?: string;
  /** Default 0: any free port (see `url`). */
  port?: number;
  /** Largest request body accepted. Default 8 MiB. */
  maxBodyBytes?: number;
}

export interface LookupServer {
  readonly server: Server;
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, so that the client gets
    // the 413 answer rather than a reset connection.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        reject(new HttpError(413, 'PayloadTooLarge', `request body of ${size} bytes is over the limit of ${limit}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'BadJson', 'the request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function field<T>(body: unknown, name: string, fallback?: T): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'BadRequest', 'the request body must be a JSON object');
  }
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) {
    if (fallback === undefined) throw new HttpError(400, 'BadRequest', `the request needs "${name}"`);
    return fallback;
  }
  return value as T;
}

/** Embeddings as JSON: rows of numbers (a `null` is JSON's NaN: the index rejects it by name). */
function embeddingsOf(body: unknown): number[][] {
  const rows = field<unknown>(body, 'embeddings');
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r))) {
    throw new HttpError(400, 'BadRequest', '"embeddings" must be a non-empty array of rows of numbers');
  }
  return (rows as unknown[][]).map((row, i) =>
    row.map((v, j) => {
      if (v === null) return Number.NaN;
      if (typeof v !== 'number') throw new HttpError(400, 'BadRequest', `embeddings[${i}][${j}] is not a number: ${JSON.stringify(v)}`);
      return v;
    }),
  );
}

function lookupJson(lookup: Lookup, includeEmbeddings: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    rank: lookup.rank,
    distance: lookup.distance,
    label: lookup.label ?? null,
    data: lookup.data ?? null,
  };
  if (includeEmbeddings && lookup.embedding) out.embedding = Array.from(lookup.embedding);
  return out;
}

/** Typed arrays (item data may hold them) as plain arrays. */
function replacer(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, replacer);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function route(index: Indexer, req: IncomingMessage, limit: number): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const expect = (wanted: string) => {
    if (method !== wanted) throw new HttpError(405, 'MethodNotAllowed', `${path} takes ${wanted}, not ${method}`);
  };
  switch (path) {
    case '/health': {
      expect('GET');
      const size = await index.size();
      return { status: 'ok', size, embeddingSize: index.embeddingSize, distance: index.distance.name, calibrated: index.isCalibrated };
    }
    case '/lookup': {
      expect('POST');
      const body = await readBody(req, limit);
      const embeddings = embeddingsOf(body);
      const includeEmbeddings = field<unknown>(body, 'includeEmbeddings', false) === true;
      const neighbours = await index.batchLookup(embeddings, field(body, 'k', 5), false);
      return { neighbors: neighbours.map((row) => row.map((l) => lookupJson(l, includeEmbeddings))) };
    }
    case '/match': {
      expect('POST');
      const body = await readBody(req, limit);
      const matches = await index.match(embeddingsOf(body), {
        k: field(body, 'k', 1),
        noMatchLabel: field(body, 'noMatchLabel', -1),
        matcher: field(body, 'matcher', 'match_nearest'),
        verbose: false,
      });
      return { matches };
    }
    default:
      throw new HttpError(404, 'NotFound', `no route ${path}; routes: GET /health, POST /lookup, POST /match`);
  }
}

function statusOf(err: unknown): { status: number; type: string; message: string } {
  if (err instanceof HttpError) return { status: err.status, type: err.type, message: err.message };
  if (err instanceof EmptyIndexError || err instanceof StateError) return { status: 409, type: err.constructor.name, message: err.message };
  if (err instanceof TfsimError) return { status: 400, type: err.constructor.name, message: err.message };
  return { status: 500, type: 'InternalError', message: err instanceof Error ? err.message : String(err) };
}

/** Serves lookups over `index` until `close()`. */
export async function startLookupServer(index: Indexer, options: LookupServerOptions = {}): Promise<LookupServer> {
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const server = createServer((req, res) => {
    route(index, req, limit).then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        const { status, type, message } = statusOf(err);
        send(res, status, { error: { type, message } });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
