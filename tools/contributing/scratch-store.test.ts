/**
 * CONTRIBUTING.md's "add a store" recipe, followed as a new contributor would:
 * scaffold a package, implement the Store interface with the helpers
 * @tfsim/stores exports for implementers, and run the exported conformance
 * suite. The scratch workspace is a copy (docs, manifests, configs) with the
 * real packages linked in, so the repository itself is never modified.
 *
 * A control store that writes a batch before validating it must fail the same
 * suite: the suite is what catches a half-written batch.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { testStore } from '@tfsim/stores/conformance';

import { checkGraph } from '../graph-check/graph';
import { scaffoldPackage } from '../scaffold/scaffold';

const REPO = path.resolve(__dirname, '..', '..');

/** A tiny store: records in arrays, validation and saved format from @tfsim/stores. */
const TINY_STORE = `import type { IndexedItem, Label, MatrixLike } from '@tfsim/utils';
import {
  checkId,
  checkIds,
  prepareBatch,
  prepareOne,
  type PreparedBatch,
  readStore,
  recordCount,
  type Store,
  type StoreConfig,
  type StoredRecord,
  type StoredRecords,
  writeStore,
} from '@tfsim/stores';

export class TinyStore implements Store {
  readonly name = 'tiny';
  private rows: Float32Array[] = [];
  private labels: Array<Label | null> = [];
  private data: string[] = [];

  private get dim(): number | undefined {
    return this.rows[0]?.length;
  }

  async add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number> {
    return this.write(prepareOne(embedding, label, data, this.dim))[0]!;
  }

  async batchAdd(embeddings: MatrixLike, labels?: ReadonlyArray<Label | null> | null, data?: ReadonlyArray<unknown> | null): Promise<number[]> {
    return this.write(prepareBatch(embeddings, labels, data, this.dim));
  }

  private write(batch: PreparedBatch): number[] {
    const { rows, cols, data } = batch.embeddings;
    const first = this.rows.length;
    for (let i = 0; i < rows; i++) {
      this.rows.push(data.slice(i * cols, (i + 1) * cols));
      this.labels.push(batch.labels[i]!);
      this.data.push(batch.data[i]!);
    }
    return Array.from({ length: rows }, (_, i) => first + i);
  }

  async get(id: number): Promise<StoredRecord> {
    return this.record(checkId(id, this.rows.length));
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    const records = checkIds(ids, this.rows.length).map((id) => this.record(id));
    return { embeddings: records.map((r) => r.embedding), labels: records.map((r) => r.label), data: records.map((r) => r.data) };
  }

  private record(id: number): StoredRecord {
    return { embedding: this.rows[id]!.slice(), label: this.labels[id]!, data: JSON.parse(this.data[id]!) as unknown };
  }

  async size(): Promise<number> {
    return this.rows.length;
  }

  async save(dir: string): Promise<void> {
    const dim = this.dim ?? 0;
    const embeddings = new Float32Array(this.rows.length * dim);
    this.rows.forEach((row, i) => embeddings.set(row, i * dim));
    await writeStore(dir, 'tiny', this.name, { size: this.rows.length, dim, embeddings, labels: this.labels, data: this.data });
  }

  async load(dir: string): Promise<number> {
    const saved = await readStore(dir);
    this.rows = Array.from({ length: saved.size }, (_, i) => saved.embeddings.slice(i * saved.dim, (i + 1) * saved.dim));
    this.labels = saved.labels;
    this.data = saved.data;
    return saved.size;
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    return Array.from({ length: recordCount(numRecords, this.rows.length) }, (_, id) => ({ id, ...this.record(id) }));
  }

  async reset(): Promise<void> {
    this.rows = [];
    this.labels = [];
    this.data = [];
  }

  async close(): Promise<void> {}

  getConfig(): StoreConfig {
    return { type: 'tiny', name: this.name };
  }
}
`;

const TINY_STORE_TEST = `import { testStore } from '@tfsim/stores/conformance';
import { TinyStore } from '../src/tiny-store';

// the tiny store has no remove / update: it declares so
testStore({ describe, it }, { name: 'TinyStore', create: async () => new TinyStore(), remove: false });
`;

/** The broken variant: adds an array of rows one row at a time, each checked only when its turn comes. */
const ROW_BY_ROW_BATCH_ADD = `  async batchAdd(embeddings: MatrixLike, labels?: ReadonlyArray<Label | null> | null, data?: ReadonlyArray<unknown> | null): Promise<number[]> {
    if (!Array.isArray(embeddings)) return this.write(prepareBatch(embeddings, labels, data, this.dim));
    const ids: number[] = [];
    embeddings.forEach((row, i) => ids.push(...this.write(prepareOne(row as ArrayLike<number>, labels?.[i], data?.[i], this.dim))));
    return ids;
  }
`;

/** A scratch workspace: what the graph check and the package's tools read, with node_modules linked. */
function scratchWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-contributing-'));
  for (const file of ['tsconfig.base.json', 'jest.preset.cjs', 'eslint.config.mjs', 'package.json', 'pnpm-workspace.yaml']) {
    fs.copyFileSync(path.join(REPO, file), path.join(root, file));
  }
  fs.cpSync(path.join(REPO, 'tools', 'jest'), path.join(root, 'tools', 'jest'), { recursive: true });
  fs.mkdirSync(path.join(root, 'docs'));
  fs.copyFileSync(path.join(REPO, 'docs', 'architecture.md'), path.join(root, 'docs', 'architecture.md'));
  for (const name of fs.readdirSync(path.join(REPO, 'packages'))) {
    const from = path.join(REPO, 'packages', name);
    if (!fs.existsSync(path.join(from, 'package.json'))) continue;
    const to = path.join(root, 'packages', name);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    if (fs.existsSync(path.join(from, 'src'))) fs.cpSync(path.join(from, 'src'), path.join(to, 'src'), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** What `pnpm install` would link for the new package's workspace dependencies. */
function linkWorkspaceDeps(dir: string, deps: string[]): void {
  fs.mkdirSync(path.join(dir, 'node_modules', '@tfsim'), { recursive: true });
  for (const dep of deps) {
    fs.symlinkSync(path.join(REPO, 'packages', dep), path.join(dir, 'node_modules', '@tfsim', dep));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
}

interface JestSummary {
  passed: number;
  failed: number;
  failedTitles: string[];
}

function runJest(dir: string): JestSummary {
  const out = path.join(dir, 'jest-results.json');
  try {
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'jest'), ['--ci', '--json', `--outputFile=${out}`], { cwd: dir, stdio: 'pipe' });
  } catch {
    // A failing suite exits non-zero; the results file says what happened.
  }
  const results = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
  };
  const failedTitles = results.testResults.flatMap((r) => r.assertionResults.filter((a) => a.status === 'failed').map((a) => a.title));
  return { passed: results.numPassedTests, failed: results.numFailedTests, failedTitles };
}

describe('CONTRIBUTING.md: add a store in a new package', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    root = scratchWorkspace();
    dir = scaffoldPackage({
      rootDir: root,
      name: 'tiny-store',
      description: 'A store kept in arrays.',
      deps: ['stores', 'utils'],
      indexSide: true,
    });
    linkWorkspaceDeps(dir, ['stores', 'utils']);
    fs.writeFileSync(path.join(dir, 'src', 'tiny-store.ts'), TINY_STORE);
    fs.writeFileSync(
      path.join(dir, 'src', 'index.ts'),
      "export { TinyStore } from './tiny-store';\nexport const PACKAGE_NAME = '@tfsim/tiny-store';\n",
    );
    fs.writeFileSync(path.join(dir, 'test', 'tiny-store.test.ts'), TINY_STORE_TEST);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is accepted by the graph check with its declared edges', () => {
    expect(checkGraph(root)).toEqual([]);
  });

  it('typechecks against the Store interface', () => {
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' });
  });

  it('passes every test of the exported Store conformance suite', () => {
    // The tests the suite registers for a store without the reopen capability (the tiny store is not persistent), plus the scaffold's own test.
    let registered = 0;
    testStore(
      { describe: (_name, fn) => fn(), it: () => void registered++ },
      { name: 'count', create: () => Promise.reject(new Error('not run')), remove: false },
    );
    const expected = registered + 1;
    expect(expected).toBeGreaterThan(10);
    expect(runJest(dir)).toEqual({ passed: expected, failed: 0, failedTitles: [] });
  }, 120_000);

  it('fails the suite when a batch is written before it is validated whole', () => {
    const file = path.join(dir, 'src', 'tiny-store.ts');
    const good = fs.readFileSync(file, 'utf8');
    const broken = good.replace(/ {2}async batchAdd\([\s\S]*?\n {2}\}\n/, ROW_BY_ROW_BATCH_ADD);
    expect(broken).not.toBe(good);
    fs.writeFileSync(file, broken);
    try {
      expect(runJest(dir).failedTitles).toEqual(['rejects bad input whole: nothing of a bad batch is written']);
    } finally {
      fs.writeFileSync(file, good);
    }
  }, 120_000);
});
