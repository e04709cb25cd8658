/**
 * `pnpm scaffold <name> --description "..." [--deps utils,distances] [--tensors] [--index-side]`
 * creates packages/<name> and registers it in docs/architecture.md.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { scaffoldPackage } from './scaffold';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    description: { type: 'string' },
    deps: { type: 'string', default: '' },
    tensors: { type: 'boolean', default: false },
    'index-side': { type: 'boolean', default: false },
    why: { type: 'string' },
  },
});
const name = positionals[0];
if (!name || !values.description) {
  console.error('usage: pnpm scaffold <name> --description "what it holds" [--deps a,b] [--tensors] [--index-side]');
  process.exit(2);
}
const dir = scaffoldPackage({
  rootDir: path.resolve(__dirname, '..', '..'),
  name,
  description: values.description,
  deps: values.deps
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean),
  tensors: values.tensors,
  indexSide: values['index-side'],
  why: values.why,
});
console.log(`created ${path.relative(process.cwd(), dir)}; run pnpm install, then pnpm --filter @tfsim/${name} test`);
