/**
 * Every NATS name the gateway uses, defined once.
 *
 * Request/reply subjects follow `<service>.v<major>.<endpoint>`, served through the NATS services
 * framework: service `<service>`, group `<service>.v<major>`, endpoint `<endpoint>`, queue group
 * `<service>` so that replicas share the load. The framework also answers `$SRV.PING|INFO|STATS.<service>`.
 *
 * Events (JetStream) follow `<domain>.v<major>.<event-in-past-tense>`, published with the request id as
 * `Nats-Msg-Id` so that a retried publish is stored once.
 *
 * Tokens are lowercase with dashes. The version token changes with the payload schema, never alone.
 */
export const Services = {
  auth: { name: 'auth', version: '1.0.0', group: 'auth.v1' },
  quota: { name: 'quota', version: '1.0.0', group: 'quota.v1' },
  router: { name: 'router', version: '1.0.0', group: 'router.v1' },
} as const;
export type ServiceName = keyof typeof Services;

export const Subjects = {
  /** auth: who is behind a gateway key (by its SHA-256). */
  authVerifyKey: 'auth.v1.verify-key',
  /** auth: a tenant's tier and limits. */
  authGetTenant: 'auth.v1.get-tenant',
  /** quota: admit one request or refuse it with the limit that was hit. */
  quotaAdmit: 'quota.v1.admit',
  /** router: the ordered candidate deployments for a model alias. */
  routerRoute: 'router.v1.route',
  /** router: the model aliases clients may ask for. */
  routerListModels: 'router.v1.list-models',
  /** event: one finished request's usage. */
  usageRecorded: 'usage.v1.recorded',
} as const;

export const Streams = {
  usage: {
    /** JetStream stream holding usage events until metering has aggregated them. */
    name: 'USAGE',
    subjects: ['usage.v1.>'],
    /** Window in which a repeated `Nats-Msg-Id` is dropped, number of milliseconds. */
    duplicateWindowMs: 24 * 60 * 60 * 1000,
  },
} as const;

export const Consumers = {
  /** Durable pull consumer of metering on the USAGE stream. */
  meteringLedger: 'metering-ledger',
} as const;
