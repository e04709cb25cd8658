import { join } from 'node:path';

import { testReadmeExamples } from '@tfsim/test-utils/readme';

testReadmeExamples(join(__dirname, '..'));
