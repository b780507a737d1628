import type { UsageRecorded } from '@aigw/contracts';
import type { GatewayConfig } from '@aigw/config';
import { costOf, priceAt, type Micros } from '@aigw/pricing';

type PricingConfig = Pick<GatewayConfig, 'models' | 'deployments' | 'prices'>;

interface Served {
  provider: string;
  model: string;
}

/**
 * What requests cost in the price table's micro-units: the worst case at admission, the actual cost at
 * reconciliation. Both use the table metering bills with, so a budget is spent exactly as it is billed.
 */
export class CostModel {
  readonly #prices: PricingConfig['prices'];
  readonly #servedBy: ReadonlyMap<string, readonly Served[]>;
  readonly #everyDeployment: readonly Served[];

  constructor(config: PricingConfig) {
    this.#prices = config.prices;
    const served = (id: string): Served[] => {
      const d = config.deployments[id];
      return d ? [{ provider: d.provider, model: d.model }] : [];
    };
    this.#servedBy = new Map(
      Object.entries(config.models).map(([alias, m]) => [
        alias,
        m.deployments.flatMap((ref) => served(typeof ref === 'string' ? ref : ref.id)),
      ]),
    );
    this.#everyDeployment = Object.keys(config.deployments).flatMap(served);
  }

  /**
   * The most a request may cost: its prompt (none of it cached) and every completion token it allows, at
   * the dearest deployment of its alias. An alias the config file does not know (added to routing while
   * the gateway runs) is priced at the dearest deployment of all, so it never slips under a budget.
   */
  worstCase(alias: string, promptTokens: number, completionTokens: number, at: Date): Micros {
    const tokens = { promptTokens, cachedTokens: 0, completionTokens };
    let worst = 0;
    for (const { provider, model } of this.#servedBy.get(alias) ?? this.#everyDeployment) {
      const price = priceAt(this.#prices, provider, model, at);
      if (price) worst = Math.max(worst, costOf(tokens, price));
    }
    return worst;
  }

  /** What a finished request cost, as metering bills it: nothing for a gateway cache hit or an unpriced model. */
  actual(event: UsageRecorded): Micros {
    if (event.cacheHit) return 0;
    const price = priceAt(this.#prices, event.provider, event.servedModel, new Date(event.ts));
    return price ? costOf(event, price) : 0;
  }

  /** Deployments without a price in force at `at`: their requests cost nothing against budgets. */
  unpricedDeployments(at: Date): string[] {
    return [...new Set(this.#everyDeployment.filter((d) => !priceAt(this.#prices, d.provider, d.model, at)).map((d) => `${d.provider}/${d.model}`))];
  }
}
