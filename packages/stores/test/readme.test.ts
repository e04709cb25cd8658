import { join } from 'node:path';

import { testReadmeExamples } from '@tfsim/test-utils/readme';

// CommonJS, as the built package loads: the examples wrap their awaits in main().
testReadmeExamples(join(__dirname, '..'), { module: 'commonjs' });
