/**
 * Child process of the save crash trials: saves version `argv[3]` of a folder
 * to `argv[2]` and SIGKILLs itself at step `argv[4]` of the save (or half way
 * through writing its array, for `mid-write`).
 */
import * as path from 'node:path';

import { setSaveStepHook, writeArray, writeFolderAtomically, writeManifest } from '../src/persist';

const [dir, version, killAt] = process.argv.slice(2) as [string, string, string];
const die = () => process.kill(process.pid, 'SIGKILL');
setSaveStepHook((step) => {
  if (step === killAt) die();
});
void writeFolderAtomically(dir, async (tmp) => {
  const payload = new Uint8Array(1 << 20).fill(Number(version));
  if (killAt === 'mid-write') {
    await writeArray(tmp, 'payload.u8', payload.subarray(0, payload.length / 2));
    die();
  }
  const array = await writeArray(tmp, 'payload.u8', payload);
  await writeManifest(tmp, { format: 'tfsim.crash-trial', version: 1, saved: Number(version), array, name: path.basename(dir) });
}).then(() => process.stdout.write('saved\n'));
