/**
 * The package-graph check. The documented graph (docs/architecture.md, a
 * Mermaid block) is the source of truth; this compares it with what each
 * package declares (package.json) and what its sources actually import.
 *
 * Problems it reports:
 * - a source file imports a workspace package its package.json does not declare;
 * - a declared workspace edge is not in the documented graph, or a documented
 *   edge is not declared;
 * - a cycle among workspace packages;
 * - an index-side package, or anything it depends on, imports TensorFlow.js at
 *   load time (lazy loads are allowed where marked `tfsim-graph: lazy-tfjs`);
 * - a TensorFlow.js dependency not taken from the workspace catalog;
 * - a public package depending at run time on a private one.
 *
 * Every package is in the documented graph, private ones (test helpers)
 * included, with its run-time edges; devDependencies are not drawn.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SCOPE = '@tfsim/';
export const LAZY_TFJS_MARK = 'tfsim-graph: lazy-tfjs';

export interface PackageInfo {
  /** Short name, without the scope: `utils`, `search`, ... */
  name: string;
  dir: string;
  private: boolean;
  /** Workspace packages in dependencies, peerDependencies and optionalDependencies. */
  runtimeDeps: Set<string>;
  /** Workspace packages in devDependencies. */
  devDeps: Set<string>;
  /** Every dependency spec of an @tensorflow/* package, by section. */
  tfjsSpecs: Array<{ section: string; name: string; spec: string }>;
}

export interface DocumentedGraph {
  nodes: Set<string>;
  edges: Map<string, Set<string>>;
  indexSide: Set<string>;
}

export interface ImportSite {
  file: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
  lazy: boolean;
}

const DEP_SECTIONS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

export function readPackages(rootDir: string): Map<string, PackageInfo> {
  const packagesDir = path.join(rootDir, 'packages');
  const result = new Map<string, PackageInfo>();
  for (const entry of fs.readdirSync(packagesDir, { withFileTypes: true })) {
    const manifestPath = path.join(packagesDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !fs.existsSync(manifestPath)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const fullName = String(manifest.name ?? '');
    if (!fullName.startsWith(SCOPE)) continue;
    const info: PackageInfo = {
      name: fullName.slice(SCOPE.length),
      dir: path.join(packagesDir, entry.name),
      private: manifest.private === true,
      runtimeDeps: new Set(),
      devDeps: new Set(),
      tfjsSpecs: [],
    };
    for (const section of [...DEP_SECTIONS, 'devDependencies']) {
      const deps = (manifest[section] ?? {}) as Record<string, string>;
      for (const [dep, spec] of Object.entries(deps)) {
        if (dep.startsWith(SCOPE)) {
          const target = section === 'devDependencies' ? info.devDeps : info.runtimeDeps;
          target.add(dep.slice(SCOPE.length));
        } else if (dep.startsWith('@tensorflow/')) {
          info.tfjsSpecs.push({ section, name: dep, spec });
        }
      }
    }
    result.set(info.name, info);
  }
  return result;
}

/** Parses the first ```mermaid block of docs/architecture.md. */
export function readDocumentedGraph(rootDir: string): DocumentedGraph {
  const docPath = path.join(rootDir, 'docs', 'architecture.md');
  const text = fs.readFileSync(docPath, 'utf8');
  const block = /```mermaid\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`${docPath} has no \`\`\`mermaid block describing the package graph`);
  const graph: DocumentedGraph = { nodes: new Set(), edges: new Map(), indexSide: new Set() };
  for (const raw of block[1]!.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w-]+)\s*-->\s*([\w-]+)$/.exec(line))) {
      const [, from, to] = m as unknown as [string, string, string];
      graph.nodes.add(from);
      graph.nodes.add(to);
      if (!graph.edges.has(from)) graph.edges.set(from, new Set());
      graph.edges.get(from)!.add(to);
    } else if ((m = /^class\s+([\w,-]+)\s+indexSide$/.exec(line))) {
      for (const name of m[1]!.split(',')) graph.indexSide.add(name.trim());
    } else if ((m = /^([\w-]+)$/.exec(line)) && !['graph', 'end'].includes(line)) {
      graph.nodes.add(m[1]!);
    }
  }
  return graph;
}

function listSourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...listSourceFiles(full));
    } else if (/\.(ts|tsx|mts|cts|js|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(full);
    }
  }
  return files;
}

const IMPORT_PATTERNS: Array<{ re: RegExp; typeOnly: (m: RegExpExecArray) => boolean }> = [
  // import x from '...'; import type x from '...'; export { x } from '...'; export type ...
  { re: /^\s*(import|export)\s+(type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm, typeOnly: (m) => Boolean(m[2]) },
  // side-effect import '...'
  { re: /^\s*import\s*['"]([^'"]+)['"]/gm, typeOnly: () => false },
  // require('...') and dynamic import('...')
  { re: /\b(require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g, typeOnly: () => false },
];

export function findImports(file: string): ImportSite[] {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const sites: ImportSite[] = [];
  for (const { re, typeOnly } of IMPORT_PATTERNS) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const specifier = m[m.length - 1]!;
      const line = text.slice(0, m.index).split('\n').length;
      // `import x = require()` and `typeof import('x')` in types are erased too.
      const lineText = lines[line - 1] ?? '';
      const erased = /typeof\s+import\s*\(/.test(lineText) || /^\s*import\s+type\s/.test(lineText);
      const lazy = [lineText, lines[line - 2] ?? ''].some((l) => l.includes(LAZY_TFJS_MARK));
      sites.push({ file, line, specifier, typeOnly: typeOnly(m) || erased, lazy });
    }
  }
  return sites;
}

function workspaceTarget(specifier: string): string | undefined {
  if (!specifier.startsWith(SCOPE)) return undefined;
  return specifier.slice(SCOPE.length).split('/')[0];
}

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function transitiveDeps(name: string, packages: Map<string, PackageInfo>): Set<string> {
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.pop()!;
    for (const dep of packages.get(current)?.runtimeDeps ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return seen;
}

export function checkGraph(rootDir: string): string[] {
  const problems: string[] = [];
  const packages = readPackages(rootDir);
  const documented = readDocumentedGraph(rootDir);
  const rel = (file: string) => path.relative(rootDir, file);

  for (const pkg of [...packages.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    // Private packages too (the shared test helpers): the graph shows every package of the workspace.
    if (!documented.nodes.has(pkg.name)) {
      problems.push(`@tfsim/${pkg.name} is not in the documented graph (docs/architecture.md)`);
    }
    for (const dep of pkg.runtimeDeps) {
      if (!packages.has(dep)) {
        problems.push(`@tfsim/${pkg.name} declares @tfsim/${dep}, which is not a workspace package`);
      } else if (packages.get(dep)!.private && !pkg.private) {
        problems.push(`@tfsim/${pkg.name} depends at run time on the private package @tfsim/${dep}`);
      } else if (!documented.edges.get(pkg.name)?.has(dep)) {
        problems.push(`@tfsim/${pkg.name} declares @tfsim/${dep}, an edge missing from the documented graph`);
      }
    }
    for (const dep of documented.edges.get(pkg.name) ?? []) {
      if (!pkg.runtimeDeps.has(dep)) {
        problems.push(`the documented graph has ${pkg.name} --> ${dep}, but @tfsim/${pkg.name} does not declare it`);
      }
    }
    for (const { section, name, spec } of pkg.tfjsSpecs) {
      if (spec !== 'catalog:') {
        problems.push(`@tfsim/${pkg.name} ${section} pins ${name}@${spec}; use "catalog:" so one tfjs version exists`);
      }
    }

    const srcDir = path.join(pkg.dir, 'src');
    const testFiles = listSourceFiles(pkg.dir).filter((f) => !f.startsWith(srcDir + path.sep));
    const allowedInTests = new Set([...pkg.runtimeDeps, ...pkg.devDeps, pkg.name]);
    const allowedInSrc = new Set([...pkg.runtimeDeps, pkg.name]);
    for (const [files, allowed, kind] of [
      [listSourceFiles(srcDir), allowedInSrc, 'dependencies or peerDependencies'],
      [testFiles, allowedInTests, 'any dependency section'],
    ] as const) {
      for (const file of files) {
        for (const site of findImports(file)) {
          const target = workspaceTarget(site.specifier);
          if (target !== undefined && !allowed.has(target)) {
            problems.push(`${rel(file)}:${site.line} imports @tfsim/${target}, which @tfsim/${pkg.name} does not declare in ${kind}`);
          }
        }
      }
    }
  }

  for (const name of documented.nodes) {
    if (!packages.has(name)) problems.push(`the documented graph names ${name}, which is not a workspace package`);
  }

  const declaredEdges = new Map<string, Set<string>>();
  for (const pkg of packages.values()) declaredEdges.set(pkg.name, new Set([...pkg.runtimeDeps, ...pkg.devDeps]));
  const cycle = findCycle(declaredEdges);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' -> ')}`);

  // The index side runs without TensorFlow.js: neither it nor anything it loads
  // may import tfjs when the module loads.
  const tfjsFree = new Set<string>();
  for (const name of documented.indexSide) {
    tfjsFree.add(name);
    for (const dep of transitiveDeps(name, packages)) tfjsFree.add(dep);
  }
  for (const name of [...tfjsFree].sort()) {
    const pkg = packages.get(name);
    if (!pkg) continue;
    if (documented.indexSide.has(name)) {
      for (const { section, name: dep } of pkg.tfjsSpecs) {
        if (section !== 'devDependencies') {
          problems.push(`@tfsim/${name} is index-side but lists ${dep} in ${section}`);
        }
      }
    }
    for (const file of listSourceFiles(path.join(pkg.dir, 'src'))) {
      for (const site of findImports(file)) {
        if (site.specifier.startsWith('@tensorflow/') && !site.typeOnly && !site.lazy) {
          const why = documented.indexSide.has(name) ? 'is index-side' : 'is loaded by the index side';
          problems.push(
            `${rel(file)}:${site.line} imports ${site.specifier}, but @tfsim/${name} ${why} and must load without TensorFlow.js`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Copies of @tensorflow/tfjs-core in the pnpm store of this workspace. pnpm
 * makes one copy per version and per peer context; each copy is a separate
 * engine with its own backends and tensors, so there must be exactly one.
 */
export function installedTfjsCoreCopies(rootDir: string): string[] {
  const storeDir = path.join(rootDir, 'node_modules', '.pnpm');
  if (!fs.existsSync(storeDir)) return [];
  return fs
    .readdirSync(storeDir)
    .filter((entry) => entry.startsWith('@tensorflow+tfjs-core@'))
    .sort();
}
