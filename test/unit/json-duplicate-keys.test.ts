import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findDuplicateKey } from '../../src/preview/json-duplicate-keys.ts';

describe('findDuplicateKey', () => {
  const cases = [
    {
      name: 'an object with distinct keys has none',
      text: '{"a": 1, "b": {"a": 2}}',
      duplicate: undefined,
    },
    {
      name: 'a repeated top-level key is found',
      text: '{"kind": "Pod", "kind": "Job"}',
      duplicate: 'kind',
    },
    {
      name: 'a repeated nested key is found',
      text: '{"metadata": {"name": "a", "name": "b"}}',
      duplicate: 'name',
    },
    {
      name: 'equal keys in sibling objects are not duplicates',
      text: '[{"a": 1}, {"a": 2}]',
      duplicate: undefined,
    },
    {
      name: 'a value equal to a key is not a key',
      text: '{"a": "b", "b": "a"}',
      duplicate: undefined,
    },
    {
      name: 'escaped spellings of one key are the same key',
      text: '{"a": 1, "\\u0061": 2}',
      duplicate: 'a',
    },
    {
      name: 'quotes and braces inside strings are text',
      text: '{"x": "\\"}{,", "y": "\\\\"}',
      duplicate: undefined,
    },
    {
      name: 'keys after a nested array are still keys of the outer object',
      text: '{"a": [1, {"b": 1}], "a": 2}',
      duplicate: 'a',
    },
  ];
  for (const { name, text, duplicate } of cases)
    it(name, () => assert.equal(findDuplicateKey(text), duplicate));

  it('finds none in anything JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => findDuplicateKey(JSON.stringify(value)) === undefined),
    );
  });
});
