/**
 * The "tests mirror src/" check. Every module `packages/<p>/src/<path>.ts`
 * has a test `packages/<p>/test/<path>.test.ts`, unless `test-map.ts` says
 * otherwise, explicitly:
 * - `REEXPORT_OR_TYPES`: modules that only re-export or declare types (the
 *   check verifies they hold no run-time code);
 * - `COVERED_BY`: modules tested by a test of another name (a test over
 *   several modules, such as the Python-reference tests); the check verifies
 *   that each named test exists and names one of the module's exports;
 * - `SUITE_MODULES`: the conformance suites' operation files, which are test
 *   code themselves and run in every store's and search's tests;
 * - `UNTESTED`: modules with no test yet, listed so that the debt is visible
 *   and no new module joins it unnoticed.
 * An entry that is no longer needed (the module gained a mirrored test, or is
 * gone) is a problem too, so the lists only shrink.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { COVERED_BY, REEXPORT_OR_TYPES, SUITE_MODULES, type TestMap, UNTESTED } from './test-map';

/** `<package>/<path without .ts>` of every source module. */
export function sourceModules(rootDir: string): string[] {
  const modules: string[] = [];
  const packagesDir = path.join(rootDir, 'packages');
  for (const pkg of fs.readdirSync(packagesDir).sort()) {
    const src = path.join(packagesDir, pkg, 'src');
    if (!fs.existsSync(src)) continue;
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
          modules.push(`${pkg}/${path.relative(src, full).slice(0, -3).split(path.sep).join('/')}`);
        }
      }
    };
    walk(src);
  }
  return modules.sort();
}

function sourceOf(rootDir: string, module: string): string {
  const [pkg, ...rest] = module.split('/');
  return path.join(rootDir, 'packages', pkg!, 'src', `${rest.join('/')}.ts`);
}

function mirroredTest(rootDir: string, module: string): string {
  const [pkg, ...rest] = module.split('/');
  return path.join(rootDir, 'packages', pkg!, 'test', `${rest.join('/')}.test.ts`);
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** True when a module has no run-time code: only `export ... from`, imports of types, and type declarations. */
export function isReexportOrTypes(text: string): boolean {
  const code = withoutComments(text)
    // export { a, b } from '...'; export * from '...'; export type { X } from '...'
    .replace(/^\s*export\s+(type\s+)?(\*|\*\s+as\s+\w+|\{[^}]*\})\s+from\s+['"][^'"]+['"];?/gm, '')
    .replace(/^\s*import\s+type\s+[^;]+;/gm, '')
    // export interface X { ... } / export type X = ...; (balanced to the closing brace at column 0 or the semicolon)
    .replace(/^(export\s+)?interface\s+\w+[^{]*\{[\s\S]*?^\}/gm, '')
    .replace(/^(export\s+)?type\s+\w+[^=]*=[\s\S]*?;\s*$/gm, '');
  return code.trim() === '';
}

/** The names a module exports as values (classes, functions, constants). */
export function exportedValues(text: string): string[] {
  const names = new Set<string>();
  for (const m of withoutComments(text).matchAll(
    /^\s*export\s+(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function\*?|const|let)\s+(\w+)/gm,
  )) {
    names.add(m[1]!);
  }
  for (const m of withoutComments(text).matchAll(/^\s*export\s+(?:type\s+)?(?:interface|type)\s+(\w+)/gm)) names.add(m[1]!);
  return [...names];
}

/** Whether a test's text names one of the module's exports, or the module itself (`inner-product` as inner_product, innerProduct, ...). */
export function namesModule(testText: string, module: string, exports: readonly string[]): boolean {
  const stem = module.split('/').pop()!;
  const parts = stem.split('-');
  const spellings = [
    parts.join('_'),
    parts.join('-'),
    parts.join(''),
    parts.map((p, i) => (i ? p[0]!.toUpperCase() + p.slice(1) : p)).join(''),
  ];
  const stemPattern = new RegExp(`(^|[^A-Za-z0-9])(${spellings.join('|')})($|[^A-Za-z0-9])`, 'i');
  return exports.some((n) => new RegExp(`\\b${n}\\b`).test(testText)) || stemPattern.test(testText);
}

export function checkMirror(rootDir: string, map: TestMap = { REEXPORT_OR_TYPES, COVERED_BY, SUITE_MODULES, UNTESTED }): string[] {
  const problems: string[] = [];
  const modules = sourceModules(rootDir);
  const known = new Set(modules);
  const listed = new Map<string, string>();
  const note = (module: string, list: string) => {
    if (listed.has(module)) problems.push(`${module} is listed in both ${listed.get(module)} and ${list} of tools/graph-check/test-map.ts`);
    listed.set(module, list);
  };
  map.REEXPORT_OR_TYPES.forEach((m) => note(m, 'REEXPORT_OR_TYPES'));
  Object.keys(map.COVERED_BY).forEach((m) => note(m, 'COVERED_BY'));
  map.SUITE_MODULES.forEach((m) => note(m, 'SUITE_MODULES'));
  map.UNTESTED.forEach((m) => note(m, 'UNTESTED'));

  for (const [module, list] of listed) {
    if (!known.has(module)) problems.push(`${list} lists ${module}, which is not a source module (remove the entry)`);
    else if (fs.existsSync(mirroredTest(rootDir, module))) {
      problems.push(`${module} has its mirrored test now: remove it from ${list}`);
    }
  }

  for (const module of modules) {
    if (fs.existsSync(mirroredTest(rootDir, module))) continue;
    const list = listed.get(module);
    const rel = path.relative(rootDir, mirroredTest(rootDir, module));
    if (list === undefined) {
      problems.push(`${module} has no test: add ${rel} (or list it in tools/graph-check/test-map.ts, saying why)`);
      continue;
    }
    const text = fs.readFileSync(sourceOf(rootDir, module), 'utf8');
    if (list === 'REEXPORT_OR_TYPES' && !isReexportOrTypes(text)) {
      problems.push(`${module} is listed as re-export/type-only but has run-time code: test it in ${rel}`);
    }
    if (list === 'COVERED_BY') {
      const [pkg] = module.split('/');
      const names = exportedValues(text);
      for (const test of map.COVERED_BY[module]!) {
        const file = path.join(rootDir, 'packages', pkg!, 'test', test);
        if (!fs.existsSync(file)) {
          problems.push(`${module} is said to be covered by test/${test}, which does not exist`);
        } else if (!namesModule(fs.readFileSync(file, 'utf8'), module, names)) {
          problems.push(
            `${module} is said to be covered by test/${test}, which names neither the module nor its exports (${names.join(', ')})`,
          );
        }
      }
    }
  }
  return problems;
}
