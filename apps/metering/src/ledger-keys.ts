import type { Granularity, SpendPeriod } from './buckets';

/** Prefix of the aggregates the service writes and the API reads. */
export const LIVE_PREFIX = 'metering:v2:';

/** The dimensions of an aggregate, in the order they appear in keys, sorts and CSV columns. */
export const DIMENSIONS = ['tenant', 'key', 'model', 'provider'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Dimensions = Record<Dimension, string>;

/** Escapes a dimension value so that it never contains the `:` separator. */
export function escapeDim(value: string): string {
  return value.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

export function unescapeDim(value: string): string {
  return value.replace(/%(25|3A)/g, (_, hex: string) => (hex === '25' ? '%' : ':'));
}

/** `<tenant>:<key>:<model>:<provider>`, each escaped: the member of a bucket index. */
export function encodeMember(dims: Dimensions): string {
  return DIMENSIONS.map((d) => escapeDim(dims[d])).join(':');
}

export function decodeMember(member: string): Dimensions {
  const [tenant, key, model, provider] = member.split(':').map(unescapeDim);
  return { tenant, key, model, provider };
}

/**
 * The Redis key layout of one ledger, all under `prefix` (`metering:v2:` for the live ledger, a scratch
 * prefix for `rebuild`):
 *
 *   event:<event id>                          STRING "1", expires after the dedupe TTL
 *       The event was counted. Set by the same script that increments everything below.
 *   index:<hour|day>:<bucket>                 SET of members `<tenant>:<key>:<model>:<provider>`
 *       The dimension tuples with usage in that bucket; a read touches one set per bucket, never a scan.
 *   usage:<hour|day>:<bucket>:<member>        HASH of counters (`COUNTERS`)
 *   spend:tenant:<day|month>:<bucket>:<tenant>         HASH of `SPEND_COUNTERS`
 *   spend:key:<day|month>:<bucket>:<tenant>:<key>      HASH of `SPEND_COUNTERS`
 *   tenants:<month>                           SET of tenants with usage in that month
 *
 * Buckets are UTC labels (`buckets.ts`): `2025-02-01T08`, `2025-02-01`, `2025-02`. Dimension values are
 * escaped (`%` → `%25`, `:` → `%3A`), so a value holding the separator neither splits nor collides.
 */
export class LedgerKeys {
  constructor(readonly prefix: string) {}

  marker(eventId: string): string {
    return `${this.prefix}event:${eventId}`;
  }

  index(granularity: Granularity, bucket: string): string {
    return `${this.prefix}index:${granularity}:${bucket}`;
  }

  usage(granularity: Granularity, bucket: string, member: string): string {
    return `${this.prefix}usage:${granularity}:${bucket}:${member}`;
  }

  tenantSpend(period: SpendPeriod, bucket: string, tenant: string): string {
    return `${this.prefix}spend:tenant:${period}:${bucket}:${escapeDim(tenant)}`;
  }

  keySpend(period: SpendPeriod, bucket: string, tenant: string, key: string): string {
    return `${this.prefix}spend:key:${period}:${bucket}:${escapeDim(tenant)}:${escapeDim(key)}`;
  }

  tenantsOfMonth(month: string): string {
    return `${this.prefix}tenants:${month}`;
  }

  /**
   * The bucket label of an aggregate key of this ledger (anything but an event marker), read back from
   * the key itself; undefined for a marker or a key of another prefix.
   */
  bucketOfKey(key: string): string | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    const parts = key.slice(this.prefix.length).split(':');
    switch (parts[0]) {
      case 'index':
      case 'usage':
        return parts[2];
      case 'spend':
        return parts[3];
      case 'tenants':
        return parts[1];
      default:
        return undefined;
    }
  }
}
