// usearch 2.26 declares engines.node >= 22, so pnpm skips it (an optional
// dependency) on Node 20; its prebuilt N-API binary loads and passes
// @tfsim/search's tests on Node 20.19+, the floor of this workspace.
function readPackage(pkg) {
  if (pkg.name === 'usearch' && pkg.engines && pkg.engines.node) {
    pkg.engines = { ...pkg.engines, node: '>=20.19' };
  }
  return pkg;
}

module.exports = { hooks: { readPackage } };
