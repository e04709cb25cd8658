import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { checkMirror, exportedValues, isReexportOrTypes, namesModule, sourceModules } from './mirror';
import type { TestMap } from './test-map';

const REPO = path.resolve(__dirname, '..', '..');

/** A throw-away workspace of one package: `files` maps paths under packages/p/ to their text. */
function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-mirror-'));
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(root, 'packages', 'p', file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return root;
}
const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
const empty: TestMap = { REEXPORT_OR_TYPES: [], COVERED_BY: {}, SUITE_MODULES: [], UNTESTED: [] };
function check(files: Record<string, string>, map: Partial<TestMap> = {}): string[] {
  const root = workspace(files);
  roots.push(root);
  return checkMirror(root, { ...empty, ...map });
}

describe('checkMirror', () => {
  const files = {
    'src/index.ts': "export * from './a';\nexport { B } from './sub/b';\n",
    'src/a.ts': 'export function a(): number {\n  return 1;\n}\n',
    'src/sub/b.ts': 'export class B {}\n',
    'test/a.test.ts': "import { a } from '../src/a';\n",
    'test/sub/b.test.ts': "import { B } from '../../src/sub/b';\n",
  };

  it('accepts modules with a test of the same path, and listed barrels', () => {
    expect(check(files, { REEXPORT_OR_TYPES: ['p/index'] })).toEqual([]);
  });

  it('names a module without a mirrored test, and where its test goes', () => {
    const { 'test/sub/b.test.ts': _, ...rest } = files;
    expect(check(rest, { REEXPORT_OR_TYPES: ['p/index'] })).toEqual([
      'p/sub/b has no test: add packages/p/test/sub/b.test.ts (or list it in tools/graph-check/test-map.ts, saying why)',
    ]);
  });

  it('checks what each list claims', () => {
    const { 'test/a.test.ts': _a, 'test/sub/b.test.ts': _b, ...rest } = files;
    const problems = check(
      { ...rest, 'src/c.ts': 'export const c = 3;\n', 'test/other.test.ts': "it('runs something else', () => undefined);\n" },
      {
        REEXPORT_OR_TYPES: ['p/index', 'p/a'],
        COVERED_BY: { 'p/sub/b': ['missing.test.ts'], 'p/c': ['other.test.ts'] },
        UNTESTED: ['p/gone'],
      },
    );
    expect(problems).toEqual([
      'UNTESTED lists p/gone, which is not a source module (remove the entry)',
      'p/a is listed as re-export/type-only but has run-time code: test it in packages/p/test/a.test.ts',
      'p/c is said to be covered by test/other.test.ts, which names neither the module nor its exports (c)',
      'p/sub/b is said to be covered by test/missing.test.ts, which does not exist',
    ]);
  });

  it('makes the lists shrink: an entry whose module has its mirrored test now is a problem', () => {
    expect(check(files, { REEXPORT_OR_TYPES: ['p/index'], UNTESTED: ['p/a'], SUITE_MODULES: ['p/index'] })).toEqual([
      'p/index is listed in both REEXPORT_OR_TYPES and SUITE_MODULES of tools/graph-check/test-map.ts',
      'p/a has its mirrored test now: remove it from UNTESTED',
    ]);
  });

  it('lists modules as <package>/<path>', () => {
    const root = workspace(files);
    roots.push(root);
    expect(sourceModules(root)).toEqual(['p/a', 'p/index', 'p/sub/b']);
  });
});

describe('module classification', () => {
  it('tells re-exports and types from run-time code', () => {
    expect(isReexportOrTypes("/** doc */\nexport * from './a';\nexport type { X } from './x';\nexport { y as z } from './y';\n")).toBe(
      true,
    );
    expect(
      isReexportOrTypes("import type { T } from './t';\nexport interface A {\n  x: T;\n  f(): void;\n}\nexport type B = A | null;\n"),
    ).toBe(true);
    expect(isReexportOrTypes("export * from './a';\nexport const PACKAGE_NAME = 'x';\n")).toBe(false);
    expect(isReexportOrTypes("import { a } from './a';\nexport const b = a;\n")).toBe(false);
  });

  it('finds exported names, and tests that name a module or its exports', () => {
    expect(
      exportedValues(
        'export class A {}\nexport abstract class B {}\nexport async function c() {}\nexport const D = 1;\nexport interface E {}\nconst f = 2;\n',
      ),
    ).toEqual(['A', 'B', 'c', 'D', 'E']);
    expect(namesModule("getDistance('inner_product')", 'distances/inner-product', ['InnerProductSimilarity'])).toBe(true);
    expect(namesModule('new InnerProductSimilarity()', 'distances/inner-product', ['InnerProductSimilarity'])).toBe(true);
    expect(namesModule("getDistance('cosine')", 'distances/inner-product', ['InnerProductSimilarity'])).toBe(false);
    expect(namesModule('const innerProducts = 1;', 'distances/inner-product', ['InnerProductSimilarity'])).toBe(false);
  });
});

describe('this repository', () => {
  it('has a mirrored test for every source module, or an explicit, checked exception', () => {
    expect(checkMirror(REPO)).toEqual([]);
  });
});
