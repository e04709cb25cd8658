import * as fs from 'node:fs';
import * as path from 'node:path';

import { FASHION_CANDIDATES, FASHION_RECIPE } from '../src/fashion-mnist/recipes';
import { HELLO_CANDIDATES, HELLO_RECIPE } from '../src/hello/recipes';
import type { Recipe } from '../src/supervised/recipe';

/**
 * The recipe each example trains is the one its selection table chose, and
 * the table covers today's candidates: changing either without rerunning the
 * experiment fails here.
 */
const DOCS = path.resolve(__dirname, '..', '..', 'docs');

function block(page: string, marker: string): string {
  const text = fs.readFileSync(path.join(DOCS, page), 'utf8');
  const start = text.indexOf(`<!-- ${marker}:start -->`);
  const end = text.indexOf(`<!-- ${marker}:end -->`);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return text.slice(start, end);
}

describe.each([
  ['hello world', 'getting-started.md', 'hello-selection', HELLO_CANDIDATES, HELLO_RECIPE],
  ['Fashion-MNIST', 'examples/fashion-mnist.md', 'fashion-selection', FASHION_CANDIDATES, FASHION_RECIPE],
] as [string, string, string, readonly Recipe[], Recipe][])('%s selection table', (_name, page, marker, candidates, recipe) => {
  it('chose the recipe the example trains', () => {
    expect(block(page, marker)).toMatch(/Chosen: \*\*(.+?)\*\*/);
    expect(/Chosen: \*\*(.+?)\*\*/.exec(block(page, marker))![1]).toBe(recipe.name);
  });

  it('has a row for each candidate', () => {
    const rows = block(page, marker)
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| candidate'))
      .map((l) => l.split(' | ')[0]!.slice(2).replace(/\*\*/g, ''));
    expect(rows).toEqual(candidates.map((c) => c.name));
  });
});
