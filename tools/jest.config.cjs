module.exports = {
  ...require('../jest.preset.cjs'),
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test-output/'],
};
