// pnpm hooks.
//
// readPackage: usearch 2.26 declares engines.node >= 22, so pnpm skips it (an
// optional dependency) on Node 20; its prebuilt N-API binary loads and passes
// @tfsim/search's tests on Node 20.19+, the floor of this workspace.
//
// beforePacking shapes the package.json that goes into a tarball
// (`pnpm pack`, `pnpm -r publish`, after pnpm has resolved `workspace:` and
// `catalog:` ranges):
// - no devDependencies (in particular not the private @tfsim/test-utils) and
//   no scripts, which run tools of this repository;
// - TensorFlow.js peers as caret ranges of the version the workspace pins
//   (`catalog:` gives the exact pin, and an exact peer makes npm install a
//   second tfjs-core next to a user's slightly different tfjs).
const EXACT = /^\d+\.\d+\.\d+$/;

function readPackage(pkg) {
  if (pkg.name === 'usearch' && pkg.engines && pkg.engines.node) {
    pkg.engines = { ...pkg.engines, node: '>=20.19' };
  }
  return pkg;
}

module.exports = {
  hooks: {
    readPackage,
    beforePacking(manifest) {
      const packed = { ...manifest };
      delete packed.devDependencies;
      delete packed.scripts;
      if (packed.peerDependencies) {
        packed.peerDependencies = Object.fromEntries(
          Object.entries(packed.peerDependencies).map(([name, range]) => [
            name,
            name.startsWith('@tensorflow/') && EXACT.test(range) ? `^${range}` : range,
          ]),
        );
      }
      return packed;
    },
  },
};
