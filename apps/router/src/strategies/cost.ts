import { priceAt } from '@aigw/pricing';
import { sortBy, type Strategy } from './strategy';

/**
 * Cheapest first, by the expected cost of this request at the price in force today (the config's `prices`
 * section, by `<provider>/<model>` or `<model>`): prompt tokens × input price + completion tokens (the
 * request's maximum, else `cost.expectedCompletionTokens`) × output price. Unpriced members come last.
 */
export const costAware: Strategy = (members, { features, prices, settings, now }) => {
  const at = new Date(now);
  const prompt = features.promptTokens ?? 0;
  const completion = features.maxTokens ?? settings.cost.expectedCompletionTokens;
  return sortBy(members, (m) => {
    const price = priceAt(prices, m.deployment.provider, m.deployment.model, at);
    return price && prompt * price.input + completion * price.output;
  });
};
