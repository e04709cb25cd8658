// Run by each package's build, after tsc: for every subpath of the package's
// `exports` with an `import` condition, writes the ESM entry that condition
// names, re-exporting the CommonJS build. One copy of the code serves both
// module systems, so a program that mixes `import` and `require` still has one
// instance of each module (one registry, one `instanceof` per error class, one
// TensorFlow.js engine).
import * as fs from 'node:fs';
import * as path from 'node:path';

const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
for (const conditions of Object.values(manifest.exports ?? {})) {
  const esm = conditions?.import;
  const cjs = conditions?.require;
  if (!esm || !cjs) continue;
  const target = `./${path.basename(cjs.default)}`;
  const line = `export * from '${target}';\n`;
  for (const file of [esm.default, esm.types]) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, line);
  }
}
