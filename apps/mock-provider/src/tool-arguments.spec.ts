import { argumentsFor } from './tool-arguments';

describe('tool arguments', () => {
  it('fills every declared property by its type, strings with the prompt', () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer' },
        detailed: { type: 'boolean' },
        tags: { type: 'array' },
        note: { type: ['null', 'string'] },
        where: { type: 'object', properties: { lat: { type: 'number' } } },
        kind: { const: 'forecast' },
      },
    };
    expect(argumentsFor(schema, 'weather in Paris')).toEqual({
      city: 'weather in Paris',
      unit: 'celsius',
      days: 1,
      detailed: true,
      tags: [],
      note: 'weather in Paris',
      where: { lat: 1 },
      kind: 'forecast',
    });
  });

  it('treats a schema with properties but no type as an object', () => {
    expect(argumentsFor({ properties: { q: { type: 'string' } } }, 'hi')).toEqual({ q: 'hi' });
  });

  it('gives an empty object for an object without properties', () => {
    expect(argumentsFor({ type: 'object' }, 'ignored')).toEqual({});
  });
});
