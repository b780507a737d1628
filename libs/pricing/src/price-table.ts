import { z } from 'zod';
import { parseMicros, type Micros } from './money';

const price = z.string().transform((text, ctx) => {
  const micros = parseMicros(text);
  if (micros === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${text}' is not a price: write a decimal string with at most 6 decimals, e.g. "0.15"` });
    return z.NEVER;
  }
  return micros;
});

/** One price period of a model, per million tokens. */
const PricePeriod = z.strictObject({
  /** First day (UTC, YYYY-MM-DD) this price applies; it applies until the next period's `from`. */
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'),
  /** Price of one million prompt tokens not served from cache. */
  input: price,
  /** Price of one million completion tokens (reasoning tokens included). */
  output: price,
  /** Price of one million prompt tokens served from the provider's cache; the input price if unset. */
  cachedInput: price.optional(),
});

/**
 * `prices:` in the gateway config. Models are keyed `<provider>/<model>` or `<model>` (the upstream model
 * name; the qualified entry wins), each with price periods so that a price change never rewrites history.
 */
export const PriceSection = z
  .strictObject({
    /** ISO 4217 code of every price, e.g. USD. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'use an ISO 4217 code such as USD'),
    models: z.record(
      z.string().min(1),
      z
        .array(PricePeriod)
        .min(1)
        .refine((ps) => ps.every((p, i) => i === 0 || ps[i - 1].from < p.from), 'periods must be in increasing `from` order'),
    ),
  })
  .default({ currency: 'USD', models: {} });
export type PriceTable = z.output<typeof PriceSection>;

export interface ModelPrice {
  input: Micros;
  output: Micros;
  cachedInput: Micros;
}

/** The price in force for a served model at a time, or undefined when the table has none. */
export function priceAt(table: PriceTable, provider: string, model: string, at: Date): ModelPrice | undefined {
  const periods = table.models[`${provider}/${model}`] ?? table.models[model];
  if (!periods) return undefined;
  const day = at.toISOString().slice(0, 10);
  let current: (typeof periods)[number] | undefined;
  for (const p of periods) if (p.from <= day) current = p;
  if (!current) return undefined;
  return { input: current.input, output: current.output, cachedInput: current.cachedInput ?? current.input };
}
