import { className } from '../src/labels';

describe('className', () => {
  it('maps a label through a list, a record or a Map, falling back to the id', () => {
    expect(className(1, ['zero', 'one'])).toBe('one');
    expect(className(5, ['zero', 'one'])).toBe('5');
    expect(className(10, { 10: 'ten' })).toBe('ten');
    expect(className(11, { 10: 'ten' })).toBe('11');
    expect(className(-1, new Map([[-1, 'unknown']]))).toBe('unknown');
    expect(className(3)).toBe('3');
  });

  it('shows a missing label as the Python library does', () => {
    expect(className(null, ['a'])).toBe('No Label');
    expect(className(undefined)).toBe('No Label');
  });
});
