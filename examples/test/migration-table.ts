/** The rows of docs/migration.md's tables, as trimmed cells: what the migration tests check against the code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'migration.md'), 'utf8');

/** Each table row that starts with a code name (`| \`...`), as its cells. */
export const MIGRATION_ROWS: string[][] = doc
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
