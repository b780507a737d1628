import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { parseRoutingDocument, type RoutingDocument } from '@aigw/config';
import { Buckets } from '@aigw/contracts';

const { name, configKey, history } = Buckets.routing;

/** The routing document in force and its KV revision. */
export interface StoredRouting {
  doc: RoutingDocument;
  revision: number;
}

/** Opens the routing bucket, creating it on first use (every replica and the CLI may race to; that is fine). */
export function openRoutingBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(name, { history });
}

/** Stores `doc` unless the bucket already holds a routing document; says which happened. */
export async function seedRouting(kv: KV, doc: RoutingDocument): Promise<'seeded' | 'kept'> {
  try {
    await kv.create(configKey, JSON.stringify(doc));
    return 'seeded';
  } catch (err) {
    if (await kv.get(configKey)) return 'kept';
    throw err;
  }
}

/** The stored document, validated; undefined when there is none. Throws `ConfigError` for an invalid one. */
export async function readRouting(kv: KV): Promise<StoredRouting | undefined> {
  const entry = await kv.get(configKey);
  if (!entry || entry.operation !== 'PUT') return undefined;
  return { doc: parseRoutingDocument(entry.json(), `KV ${name}/${configKey} revision ${entry.revision}`), revision: entry.revision };
}

/**
 * Validates and stores a document. With `revision`, only if the stored one is still that revision, so that
 * two edits made at the same time cannot silently overwrite each other.
 */
export async function writeRouting(kv: KV, value: unknown, revision?: number): Promise<StoredRouting> {
  const doc = parseRoutingDocument(value, 'the new routing configuration');
  const text = JSON.stringify(doc);
  const stored = revision === undefined ? await kv.put(configKey, text) : await kv.update(configKey, text, revision);
  return { doc, revision: stored };
}

export interface RoutingWatch {
  stop(): void;
}

/**
 * Calls `onChange` with every value the routing key takes, the current one first, each with its revision.
 * A deleted key arrives as `undefined`.
 */
export async function watchRouting(kv: KV, onChange: (value: unknown, revision: number) => void): Promise<RoutingWatch> {
  const watch = await kv.watch({ key: configKey });
  void (async () => {
    for await (const entry of watch) {
      let value: unknown;
      try {
        value = entry.operation === 'PUT' ? entry.json() : undefined;
      } catch {
        value = entry.string();
      }
      onChange(value, entry.revision);
    }
  })();
  return { stop: () => watch.stop() };
}
