import { entryConditions, type Manifest, manifestDrift, normalise } from './manifests';
import { tarballProblems } from './pack';

describe('release manifests', () => {
  it('every publishable package.json, LICENSE and NOTICE is as tools/release/manifests.ts writes it', () => {
    expect(manifestDrift()).toEqual([]);
  });

  it('adds the repository fields, the legal files and the ESM step of the build', () => {
    const out = normalise({ name: '@tfsim/x', version: '1.0.0', files: ['dist'], scripts: { build: 'tsc' } }, 'x');
    expect(out.files).toEqual(['dist', 'LICENSE', 'NOTICE']);
    expect(out.scripts).toEqual({ build: 'tsc && node ../../tools/release/esm-entries.mjs' });
    expect(out.homepage).toBe('https://github.com/tfsim/tfsim/tree/main/packages/x#readme');
    expect(out.repository).toEqual({ type: 'git', url: 'git+https://github.com/tfsim/tfsim.git', directory: 'packages/x' });
  });

  it('maps a subpath to its source, an ESM entry and a CommonJS entry, each with its types', () => {
    expect(entryConditions('./src/level.ts')).toEqual({
      '@tfsim/source': './src/level.ts',
      import: { types: './dist/level.d.mts', default: './dist/level.mjs' },
      require: { types: './dist/level.d.ts', default: './dist/level.js' },
    });
  });
});

describe('tarball check', () => {
  const good: Manifest = {
    name: '@tfsim/x',
    version: '1.0.0',
    license: 'Apache-2.0',
    repository: { url: 'u' },
    homepage: 'h',
    bugs: { url: 'b' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': entryConditions('./src/index.ts'), './package.json': './package.json' },
    dependencies: { '@tfsim/utils': '^1.0.0' },
    peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
  };
  const files = new Set([
    'package.json',
    'README.md',
    'LICENSE',
    'NOTICE',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/index.mjs',
    'dist/index.d.mts',
  ]);

  it('passes a complete tarball', () => {
    expect(tarballProblems(good, files)).toEqual([]);
  });

  it('names each problem of a tarball packed from an unprepared manifest', () => {
    const bad: Manifest = {
      ...good,
      homepage: undefined,
      devDependencies: { '@tfsim/test-utils': '0.0.0' },
      scripts: { test: 'jest' },
      dependencies: { '@tfsim/utils': 'workspace:^' },
      peerDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
    };
    const partial = new Set([...files].filter((f) => f !== 'NOTICE' && f !== 'dist/index.mjs'));
    expect(tarballProblems(bad, partial)).toEqual([
      'NOTICE missing',
      'devDependencies left in',
      'scripts left in',
      'dependencies @tfsim/utils: workspace:^ not resolved',
      'peer @tensorflow/tfjs-core: 4.22.0 is not a caret range',
      'no homepage',
      './dist/index.mjs is named but not packed',
    ]);
  });
});
