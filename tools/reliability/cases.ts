/** Every case of the reliability suite, in the order they run. */
import type { Case } from './common';
import { HOSTILE_CASES } from './hostile';
import { REDIS_CASES } from './redis';
import { REUSE_CASES } from './reuse';
import { SIGKILL_CASES } from './sigkill';

export const CASES: Case[] = [...SIGKILL_CASES, ...REDIS_CASES, ...REUSE_CASES, ...HOSTILE_CASES];
