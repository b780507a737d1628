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
  /** auth: count a failed authentication the edge decided itself (a bad JWT) against the caller's address. */
  authRecordFailure: 'auth.v1.record-failure',
  /** event (core NATS, every subscriber gets it): keys or a tenant changed, cached principals must go. */
  authKeysChanged: 'auth.v1.keys-changed',
  /** quota: admit one request or refuse it with the limit that was hit. */
  quotaAdmit: 'quota.v1.admit',
  /** quota: keep admitted requests' leases alive (sent fire-and-forget by the proxy while they run). */
  quotaRenew: 'quota.v1.renew',
  /** quota: a request ended; free its concurrency slots at once (sent fire-and-forget by the proxy). */
  quotaRelease: 'quota.v1.release',
  /** router: the ordered candidate deployments for a model alias. */
  routerRoute: 'router.v1.route',
  /** router: the model aliases clients may ask for. */
  routerListModels: 'router.v1.list-models',
  /** event (core NATS, every router replica subscribes): upstream attempts that began or ended, a batch per publisher. */
  routerAttemptsReported: 'router.v1.attempts-reported',
  /** event: one finished request's usage. */
  usageRecorded: 'usage.v1.recorded',
} as const;

export const Streams = {
  usage: {
    /** JetStream stream holding usage events until metering has aggregated them. */
    name: 'USAGE',
    subjects: ['usage.v1.>'],
    /**
     * Window in which a repeated `Nats-Msg-Id` is dropped, number of milliseconds: long enough for the
     * proxy's own retries of a publish and a reconnect. JetStream keeps every id of the window in memory
     * (about 175 bytes each), so a day's would hold 1.5 GB at 100 requests/s. A later republish, an event
     * spooled through an outage, is stored again and counted once all the same: metering and quota each
     * mark the event ids they counted, for days.
     */
    duplicateWindowMs: 2 * 60 * 1000,
  },
} as const;

export const Consumers = {
  /** Durable pull consumer of metering on the USAGE stream. */
  meteringLedger: 'metering-ledger',
  /** Durable pull consumer of quota on the USAGE stream: reconciles token and spend reservations. */
  quotaReconciler: 'quota-reconciler',
} as const;

/** JetStream key-value buckets, and the keys in them. */
export const Buckets = {
  /** The routing configuration in force (providers, deployments, models, routing); the router watches it. */
  routing: { name: 'aigw-routing', configKey: 'config', history: 10 },
  /** State router replicas share: circuits (`circuit.<deployment>`) and the health-check lease. */
  routerState: { name: 'aigw-router-state', circuitPrefix: 'circuit.', probeLeaseKey: 'lease.health-check' },
} as const;
