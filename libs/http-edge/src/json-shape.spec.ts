import { ErrorCode } from '@aigw/contracts';
import { DEFAULT_JSON_SHAPE, JsonShapeScanner, type JsonShapeLimits } from './json-shape';

/** A whole body held to `limits` in one go. */
const checkJsonShape = (body: Buffer, limits: JsonShapeLimits = DEFAULT_JSON_SHAPE) => new JsonShapeScanner(limits).feed(body);

const shape = (text: string, limits = { maxDepth: 4, maxContainers: 10, maxElements: 20 }) => {
  try {
    checkJsonShape(Buffer.from(text), limits);
    return 'ok';
  } catch (err) {
    expect(err).toMatchObject({ code: ErrorCode.InvalidRequest });
    return (err as Error).message;
  }
};

describe('JsonShapeScanner – structure limits before parsing, a whole body', () => {
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

describe('JsonShapeScanner – the same limits, chunk by chunk as a body arrives', () => {
  /** Feeds `text` in chunks of `size` bytes; 'ok' or the refusal's message. */
  const chunked = (text: string, size: number, limits = { maxDepth: 4, maxContainers: 10, maxElements: 20 }) => {
    const scanner = new JsonShapeScanner(limits);
    const bytes = Buffer.from(text);
    try {
      for (let at = 0; at < bytes.length; at += size) scanner.feed(bytes.subarray(at, at + size));
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('finds the same answer whatever the chunk size, escapes split across chunks included', () => {
    const bodies = [
      JSON.stringify({ text: 'a \\" [[[[[[[[ \\\\" ]]]] \\\\\\" [[[[[[[', more: ['\\', '[[[[[[', '\\\\', '{{{{{{{'] }),
      '[[[[[1]]]]]',
      `[${Array(22).fill('"x\\\\"').join(',')}]`,
      JSON.stringify({ a: '\\\\\\\\"[[[[[[[[' }),
    ];
    for (const body of bodies) {
      const whole = chunked(body, body.length);
      for (const size of [1, 2, 3, 5, 7]) expect(chunked(body, size)).toBe(whole);
    }
    expect(chunked(bodies[0]!, 1)).toBe('ok');
    expect(chunked(bodies[1]!, 1)).toMatch(/deeper than 4/);
    expect(chunked(bodies[2]!, 1)).toMatch(/more than 20 values/);
  });

  it('refuses a control character outside strings as invalid JSON, naming its byte', () => {
    expect(chunked('{"model":\u0000\u0000', 3)).toBe('The request body is not valid JSON: a control character (0x00) at byte 9.');
    expect(chunked('{"text":"tab\tin a string is for JSON.parse"}', 4)).toBe('ok');
    expect(chunked('{\n\t"a" :\r\n 1 }', 2)).toBe('ok');
  });
});
