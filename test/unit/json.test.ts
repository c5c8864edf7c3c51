import { describe, expect, it } from 'vitest';
import { isJsonObject } from '../../core/json';

describe('isJsonObject', () => {
  it('is true for what JSON.parse returns for an object, and false for every other JSON value', () => {
    expect(isJsonObject(JSON.parse('{"a":1}'))).toBe(true);
    expect(isJsonObject(JSON.parse('{}'))).toBe(true);
    for (const text of ['null', '[]', '[{}]', '"{}"', '1', 'true'])
      expect(isJsonObject(JSON.parse(text)), text).toBe(false);
  });
});
