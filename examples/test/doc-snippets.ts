/**
 * Runs the ```ts snippets of the docs that are followed by an "Output:" block,
 * all in one tsx process (loading TensorFlow.js once), and returns what each
 * printed. Each snippet is its own ES module, imported in turn; console.log is
 * captured per snippet.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Snippet {
  file: string;
  index: number;
  code: string;
  expected: string;
}

export const EXAMPLES_DIR = join(__dirname, '..');
export const DOCS_DIR = join(EXAMPLES_DIR, '..', 'docs');
const SNIPPET = /```ts\n((?:(?!```)[\s\S])*)```\s*\n+Output:\s*\n+```text\n([\s\S]*?)```/g;

export function snippetsOf(file: string): Snippet[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SNIPPET)].map((m, index) => ({ file, index, code: m[1]!, expected: m[2]!.trim() }));
}

/**
 * A snippet as a CommonJS module exporting `run()`: its imports stay at the
 * top, the rest (which may use top-level await) becomes the body of `run`.
 * (CommonJS because tsx's ESM interop cannot see the names a package
 * re-exports with `export *` from its TypeScript sources.)
 */
export function asModule(code: string): string {
  const lines = code.split('\n');
  let end = 0;
  while (end < lines.length && (lines[end]!.startsWith('import ') || lines[end]!.trim() === '')) {
    while (end < lines.length && lines[end]!.startsWith('import ') && !/from '[^']+';$|^import '[^']+';$/.test(lines[end]!)) end++;
    end++;
  }
  return `${lines.slice(0, end).join('\n')}\nexport async function run(): Promise<void> {\n${lines.slice(end).join('\n')}\n}\n`;
}

/** Output (or the error) of each snippet, in order. */
export function runSnippets(snippets: Snippet[]): string[] {
  const dir = join(EXAMPLES_DIR, `.doc-snippets-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    snippets.forEach((s, i) => writeFileSync(join(dir, `snippet-${i}.ts`), asModule(s.code)));
    const outFile = join(dir, 'outputs.json');
    const runner = `
import { format } from 'node:util';
import { writeFileSync } from 'node:fs';
async function main(): Promise<void> {
  const outputs: string[] = [];
  const log = console.log;
  for (let i = 0; i < ${snippets.length}; i++) {
    const lines: string[] = [];
    console.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      await (require('./snippet-' + i) as { run(): Promise<void> }).run();
    } catch (err) {
      lines.push('ERROR ' + ((err as Error)?.stack ?? String(err)));
    }
    console.log = log;
    outputs.push(lines.join('\\n').trim());
  }
  writeFileSync(${JSON.stringify(outFile)}, JSON.stringify(outputs));
}
void main();
`;
    writeFileSync(join(dir, 'runner.ts'), runner);
    const tsx = join(EXAMPLES_DIR, '..', 'node_modules', '.bin', 'tsx');
    execFileSync(tsx, ['--conditions=@tfsim/source', join(dir, 'runner.ts')], {
      cwd: EXAMPLES_DIR,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', TFSIM_PROGRESS: '0' },
      timeout: 600_000,
    });
    return JSON.parse(readFileSync(outFile, 'utf8')) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function label(s: Snippet): string {
  return `${relative(DOCS_DIR, s.file)} snippet ${s.index}`;
}

/**
 * `tsx test/doc-snippets.ts [--write] ../docs/x.md ...` prints each snippet's
 * output; with --write, puts it in the doc's Output block (review the diff).
 */
if (require.main === module) {
  const write = process.argv.includes('--write');
  const files = process.argv
    .slice(2)
    .filter((a) => a !== '--write')
    .map((f) => join(process.cwd(), f));
  for (const file of files) {
    const snippets = snippetsOf(file);
    const outputs = runSnippets(snippets);
    outputs.forEach((out, i) => console.log(`--- ${label(snippets[i]!)}\n${out}`));
    if (write) {
      let i = 0;
      const text = readFileSync(file, 'utf8').replace(SNIPPET, (whole, code: string) =>
        whole.replace(/```text\n[\s\S]*?```$/, '```text\n' + outputs[i++]! + '\n```').replace(code, code),
      );
      writeFileSync(file, text);
    }
  }
}
