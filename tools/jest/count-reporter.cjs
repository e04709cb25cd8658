// Writes this package's test counts to <rootDir>/test-results.json so that
// .ci/run can print one closing line summed over every package.
const fs = require('node:fs');
const path = require('node:path');

class CountReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const counts = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      suitesFailed: results.numFailedTestSuites,
    };
    fs.writeFileSync(path.join(this.rootDir, 'test-results.json'), JSON.stringify(counts) + '\n');
  }
}

module.exports = CountReporter;
