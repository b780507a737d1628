import { ErrorCode } from '@aigw/contracts';
import { checkJsonShape, DEFAULT_JSON_SHAPE } from './json-shape';

const shape = (text: string, limits = { maxDepth: 4, maxContainers: 10, maxElements: 20 }) => {
  try {
    checkJsonShape(Buffer.from(text), limits);
    return 'ok';
  } catch (err) {
    expect(err).toMatchObject({ code: ErrorCode.InvalidRequest });
    return (err as Error).message;
  }
};

describe('checkJsonShape – structure limits before parsing', () => {
  it('passes what is within every limit', () => {
    expect(shape('{"a":[1,2,{"b":[3]}]}')).toBe('ok');
    expect(shape('"just a string"')).toBe('ok');
    expect(shape('')).toBe('ok');
  });

  it('refuses nesting deeper than the limit, naming it', () => {
    expect(shape('[[[[1]]]]')).toBe('ok');
    expect(shape('[[[[[1]]]]]')).toBe('The request body nests arrays and objects deeper than 4 levels.');
    expect(shape('{"a":{"b":{"c":{"d":{"e":1}}}}}')).toMatch(/deeper than 4/);
  });

  it('refuses more arrays and objects, or more values, than the limits', () => {
    expect(shape(`[${Array(9).fill('[]').join(',')}]`)).toBe('ok');
    expect(shape(`[${Array(10).fill('[]').join(',')}]`)).toBe('The request body holds more than 10 arrays and objects.');
    expect(shape(`[${Array(20).fill('1').join(',')}]`)).toBe('ok');
    expect(shape(`[${Array(22).fill('1').join(',')}]`)).toBe('The request body holds more than 20 values.');
  });

  it('does not count brackets, braces, commas or escaped quotes inside strings', () => {
    expect(shape(JSON.stringify({ text: '[[[[[[[[{{{{{,,,,,,,,,,,,,,,,,,,,,,,,,' }))).toBe('ok');
    expect(shape(JSON.stringify({ text: 'a \\" [[[[[[[[ \\\\" ]]]] \\\\\\" [[[[[[[' }))).toBe('ok');
    expect(shape(JSON.stringify(['\\', '[[[[[[', '\\\\', '{{{{{{{']))).toBe('ok');
  });

  it('leaves a broken body to the parser: an unterminated string ends the scan', () => {
    expect(shape('{"a": "never closed [[[[[[[[[[[[')).toBe('ok');
  });

  it('refuses 32 MiB of [] at the container limit', () => {
    const body = Buffer.from(`[${'[],'.repeat((32 * 1024 * 1024) / 3)}[]]`);
    expect(() => checkJsonShape(body, DEFAULT_JSON_SHAPE)).toThrow(/more than 100,000 arrays and objects/);
  });

  it('takes 10,000 levels of nesting without recursion', () => {
    expect(() => checkJsonShape(Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)))).toThrow(/deeper than 64 levels/);
  });
});
