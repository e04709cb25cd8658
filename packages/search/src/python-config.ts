/**
 * A search from the Python library's class name and `get_config()`, with its
 * option names (`LinearSearch`: distance, dim, name, verbose; `FaissSearch`:
 * also algo, m, nbits, nlist, nprobe).
 */
import { fromPythonKeys, UnknownNameError, ValueError } from '@tfsim/utils/core';

import { FaissSearch } from './faiss';
import { LinearSearch } from './linear';
import type { Search } from './search';

/**
 * `verbose` only sets how much Python prints and is dropped; `distance` and
 * `dim` are required; any other key goes to the constructor, which rejects
 * what it does not know.
 */
export function fromPythonConfig(name: string, config: Record<string, unknown>): Search {
  const { distance, dim, verbose: _verbose, ...options } = fromPythonKeys(config, name);
  if (distance === undefined || dim === undefined) throw new ValueError(`${name}: a Python search config needs "distance" and "dim"`);
  const key = name.toLowerCase();
  if (key === 'linearsearch' || key === 'linear') return new LinearSearch(distance as string, dim as number, options);
  if (key === 'faisssearch' || key === 'faiss') return new FaissSearch(distance as string, dim as number, options);
  throw new UnknownNameError('search class', name, ['LinearSearch', 'FaissSearch']);
}
