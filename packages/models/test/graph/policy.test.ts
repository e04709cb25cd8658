/** graphModeBlocker (graph mode wanted, by option and backend), reportFallback's and reportNote's one line. */
import * as tf from '@tensorflow/tfjs-core';
import { testBackends } from '@tfsim/test-utils';

import { graphModeBlocker, reportFallback, reportNote } from '../../src/graph/policy';

const backends = testBackends();

describe('graphModeBlocker', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('cpu: not wanted (undefined) whatever the option', async () => {
    await tf.setBackend('cpu');
    expect(graphModeBlocker(undefined)).toBeUndefined();
    expect(graphModeBlocker(true)).toBeUndefined();
    expect(graphModeBlocker(false)).toBeUndefined();
  });

  (backends.includes('wasm') ? it : it.skip)('wasm: not wanted (undefined) whatever the option', async () => {
    await tf.setBackend('wasm');
    expect(graphModeBlocker(undefined)).toBeUndefined();
    expect(graphModeBlocker(true)).toBeUndefined();
  });

  (backends.includes('tensorflow') ? it : it.skip)(
    'tensorflow: tried (null) by default and with graph: true, not with graph: false',
    async () => {
      await tf.setBackend('tensorflow');
      expect(graphModeBlocker(undefined)).toBeNull();
      expect(graphModeBlocker(true)).toBeNull();
      expect(graphModeBlocker(false)).toBeUndefined();
    },
  );
});

describe('reportFallback', () => {
  it('prints exactly one console.warn line with the reason, nothing else', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      reportFallback('the step creates variables');
      expect(warn.mock.calls).toEqual([['[tfsim] graph mode off, training eagerly: the step creates variables']]);
      expect(log).not.toHaveBeenCalled();
      expect(error).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe('reportNote', () => {
  it('prints one console.warn line, marked as a note on graph mode (not a fallback)', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      reportNote("Adam updates run as tfjs' kernels: the TensorFlow op library is not built");
      expect(warn.mock.calls).toEqual([["[tfsim] graph mode: Adam updates run as tfjs' kernels: the TensorFlow op library is not built"]]);
    } finally {
      warn.mockRestore();
    }
  });
});
