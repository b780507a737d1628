/** The part of JSON Schema a tool's parameters use that the mock reads; anything else is ignored. */
export interface ParameterSchema {
  type?: string | string[];
  properties?: Record<string, ParameterSchema>;
  enum?: unknown[];
  const?: unknown;
}

/**
 * A value for `schema` built from the caller's words, so a tool round trip carries the prompt along:
 * strings take `text`, enums and consts their first value, numbers 1, booleans true, arrays stay empty
 * and objects get every declared property.
 */
export function argumentsFor(schema: ParameterSchema | undefined, text: string): unknown {
  if (!schema || typeof schema !== 'object') return text;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) out[name] = argumentsFor(prop, text);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case undefined:
      return schema.properties ? argumentsFor({ ...schema, type: 'object' }, text) : text;
    default:
      return text;
  }
}
