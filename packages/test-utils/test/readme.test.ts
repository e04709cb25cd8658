import { join } from 'node:path';

import { testReadmeExamples } from '../src/readme';

// CommonJS: the root entry re-exports with `export *`, which an ES module cannot import by name from TypeScript sources.
testReadmeExamples(join(__dirname, '..'), { module: 'commonjs' });
