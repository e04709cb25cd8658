import { distanceNames } from '@tfsim/distances';
import { LinearSearch } from '../src';
import { testSearch } from '../src/conformance';

testSearch(
  { describe, it },
  { name: 'LinearSearch', create: (distance, dim) => new LinearSearch(distance, dim), distances: distanceNames(), exact: true },
);
