// Runs once in jest's parent process, before the test workers start. Jest
// gives each test file a copy of process.env, so variables that the native
// TensorFlow library reads when it loads (from the real environment) must be
// set here: setting them from a test, as prepareNativeBackend of @tfsim/utils
// does in a plain process, would not reach the library.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async function globalSetup(globalConfig) {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  if (process.env.TF_ENABLE_ONEDNN_OPTS !== undefined) return;
  let lib;
  try {
    lib = path.join(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [globalConfig.rootDir] })), 'lib');
  } catch {
    return; // this package does not use the native backend
  }
  if (!fs.existsSync(lib)) return;
  for (const dir of fs.readdirSync(lib)) {
    // Written by `pnpm setup:native` (packages/setup-native) where oneDNN crashed its probe.
    const file = path.join(lib, dir, 'tfsim-native.json');
    if (!fs.existsSync(file)) continue;
    if (JSON.parse(fs.readFileSync(file, 'utf8')).oneDNN === false) process.env.TF_ENABLE_ONEDNN_OPTS = '0';
  }
};
