import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DOCS_DIR, label, runSnippets, type Snippet, snippetsOf } from './doc-snippets';

/**
 * Every ```ts snippet of the guides, the getting-started page and the
 * README of @tfsim/utils (which cannot run its own: the shared test helpers
 * depend on it) that shows its output runs (in one process) and prints
 * exactly that output, so the docs cannot drift from the API.
 */
const files = [
  join(DOCS_DIR, 'getting-started.md'),
  ...readdirSync(join(DOCS_DIR, 'guides'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(DOCS_DIR, 'guides', f)),
  // Last: it forces the cpu backend for the rest of the process.
  join(DOCS_DIR, '..', 'packages', 'utils', 'README.md'),
];
const snippets: Snippet[] = files.flatMap(snippetsOf);

describe('docs snippets', () => {
  let outputs: string[] = [];
  beforeAll(() => {
    outputs = runSnippets(snippets);
  }, 600_000);

  it('every guide has a snippet with its output', () => {
    const withSnippets = new Set(snippets.map((s) => s.file));
    expect(files.filter((f) => !withSnippets.has(f))).toEqual([]);
  });

  it.each(snippets.map((s, i) => [label(s), i] as const))('%s prints what the doc says', (_name, i) => {
    expect(outputs[i]).toBe(snippets[i]!.expected);
  });
});
