/**
 * Serves a saved index over HTTP:
 *   pnpm --filter @tfsim/examples serve --index out/hello/index [--port 8080] [--host 127.0.0.1]
 * then e.g.
 *   curl -s localhost:8080/lookup -d '{"embeddings": [[...]], "k": 3}'
 */
import { parseArgs } from 'node:util';

import { Indexer } from '@tfsim/indexer';

import { startLookupServer } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { index: { type: 'string' }, port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  if (!values.index) throw new Error('usage: serve --index <folder saved by Indexer.save> [--port 8080] [--host 127.0.0.1]');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const index = await Indexer.load(values.index, { verbose: false });
  const served = await startLookupServer(index, { port, host: values.host });
  console.log(`serving ${await index.size()} items (${index.distance.name}, dimension ${index.embeddingSize}) at ${served.url}`);
  const stop = () => void served.close().then(() => index.close());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
