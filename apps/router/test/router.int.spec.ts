import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusClient } from '@aigw/bus';
import { parseGatewayConfig } from '@aigw/config';
import { ListModels, Route } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { startRouterService, type RouterService } from '../src/router-service';

const CONFIG = `
providers:
  primary:
    kind: openai
    baseUrl: https://primary.example/v1
    credentialEnv: PRIMARY_API_KEY
  fallback:
    kind: openai
    baseUrl: \${FALLBACK_URL}/v1
deployments:
  primary-chat: { provider: primary, model: chat-large }
  fallback-chat: { provider: fallback, model: chat-large-backup }
  fallback-cheap: { provider: fallback, model: chat-small }
  fallback-embed: { provider: fallback, model: embed-small }
models:
  chat:
    deployments:
      - { id: primary-chat, priority: 2 }
      - fallback-cheap
      - { id: fallback-chat, priority: 1 }
  embed:
    deployments: [fallback-embed]
`;

describe('router service', () => {
  let nats: TestServer;
  let nc: NatsConnection;
  let bus: BusClient;
  let router: RouterService;
  let bootS: { before: number; after: number };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    bus = new BusClient(nc, { timeoutMs: 2000 });
    const config = parseGatewayConfig(CONFIG, 'router test config', { FALLBACK_URL: 'http://127.0.0.1:8090' });
    const before = Math.floor(Date.now() / 1000);
    router = await startRouterService({ natsUrl: nats.url, opsPort: 0, config, logger: createLogger('router', 'silent') });
    bootS = { before, after: Math.floor(Date.now() / 1000) };
  });

  afterAll(async () => {
    await router?.close();
    await nc?.close();
    await nats?.cleanup();
  });

  it('router – routes an alias to its deployments, lowest priority first', async () => {
    await expect(bus.request(Route, { model: 'chat' })).resolves.toEqual({
      alias: 'chat',
      candidates: [
        { id: 'fallback-cheap', provider: 'fallback', kind: 'openai', baseUrl: 'http://127.0.0.1:8090/v1', model: 'chat-small' },
        { id: 'fallback-chat', provider: 'fallback', kind: 'openai', baseUrl: 'http://127.0.0.1:8090/v1', model: 'chat-large-backup' },
        {
          id: 'primary-chat',
          provider: 'primary',
          kind: 'openai',
          baseUrl: 'https://primary.example/v1',
          model: 'chat-large',
          credentialEnv: 'PRIMARY_API_KEY',
        },
      ],
    });
  });

  it('router – refuses an unknown model with model_not_found naming it', async () => {
    for (const model of ['gpt-5-imaginary', 'constructor', 'Chat']) {
      await expect(bus.request(Route, { model })).rejects.toMatchObject({
        code: 'model_not_found',
        message: expect.stringContaining(`'${model}'`),
        details: { param: 'model' },
      });
    }
  });

  it('router – lists every alias with the boot time and the provider of its first candidate', async () => {
    const first = await bus.request(ListModels, {});
    const again = await bus.request(ListModels, {});

    expect(first.models.map(({ id, ownedBy }) => ({ id, ownedBy }))).toEqual([
      { id: 'chat', ownedBy: 'fallback' },
      { id: 'embed', ownedBy: 'fallback' },
    ]);
    for (const model of first.models) {
      expect(model.created).toBeGreaterThanOrEqual(bootS.before);
      expect(model.created).toBeLessThanOrEqual(bootS.after);
    }
    expect(again).toEqual(first);
  });

  it('router – reports ready on its ops port while connected to NATS', async () => {
    const res = await fetch(`http://127.0.0.1:${router.opsPort}/readyz`);
    expect(res.status).toBe(200);
  });
});
