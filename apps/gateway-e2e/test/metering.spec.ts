import OpenAI from 'openai';
import { generateKey } from '@aigw/stack';
import { DEFAULT_CONFIG, startGateway, type GatewayUnderTest } from './gateway-stack';

/** Prices of the mock models, per million tokens. */
const PRICE = { input: 150_000, output: 600_000 };
const CONFIG = `${DEFAULT_CONFIG.replace(
  'keys:\n',
  'keys:\n  - { id: key_load, tenant: load, role: client, secretEnv: E2E_LOAD_KEY, rpm: 100000 }\n  - { id: key_cost, tenant: cost, role: client, secretEnv: E2E_COST_KEY }\n',
)}
prices:
  currency: USD
  models:
    mock-gpt-primary: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-gpt-secondary: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
`;

const LOAD_KEY = generateKey();
const COST_KEY = generateKey();
let gw: GatewayUnderTest;

beforeAll(async () => {
  gw = await startGateway({ config: CONFIG, env: { E2E_LOAD_KEY: LOAD_KEY, E2E_COST_KEY: COST_KEY } });
}, 120_000);

afterAll(async () => {
  await gw?.close();
});

const client = (key: string) => new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: key, maxRetries: 0, timeout: 30_000 });

interface Row {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: { amount: string; currency: string };
}

/** Today's usage of one key, summed over every row, as the admin reads it from the metering API. */
async function usageOf(key: string): Promise<Omit<Row, 'cost'> & { cost_micros: number }> {
  const res = await fetch(`${gw.stack.urls.metering}/usage?key=${key}&group_by=none`, { headers: { authorization: `Bearer ${gw.keys.admin}` } });
  expect(res.status).toBe(200);
  const rows = ((await res.json()) as { data: Row[] }).data;
  const sum = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  return {
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    prompt_tokens: sum((r) => r.prompt_tokens),
    completion_tokens: sum((r) => r.completion_tokens),
    cost_micros: sum((r) => Math.round(Number(r.cost.amount) * 1_000_000)),
  };
}

/** The proxy's series `name` whose labels include `label` (e.g. `result="spooled"`); 0 when absent. */
async function metric(name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${gw.stack.urls.gateway.replace(/\/v1$/, '')}/metrics`)).text();
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}

/** Per request, rounded half up once: what the ledger must charge for the usage the client was told. */
const costOf = (u: { prompt_tokens: number; completion_tokens: number }) =>
  Math.floor((u.prompt_tokens * PRICE.input + u.completion_tokens * PRICE.output + 500_000) / 1_000_000);

describe('metering – end to end', () => {
  it('metering – charges a streamed call and a non-streamed one by the usage their client saw, to the micro-unit', async () => {
    const messages = [{ role: 'user' as const, content: 'Price this exact sentence for me, please.' }];
    const plain = await client(COST_KEY).chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await client(COST_KEY).chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    let streamed: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) streamed = chunk.usage ?? streamed;
    const usages = [plain.usage!, streamed!];
    expect(usages[1]).toEqual(usages[0]);

    const usage = await until(() => usageOf('key_cost'), (u) => u.requests >= 2, 15_000);
    expect(usage).toEqual({
      requests: 2,
      errors: 0,
      prompt_tokens: usages[0].prompt_tokens * 2,
      completion_tokens: usages[0].completion_tokens * 2,
      cost_micros: costOf(usages[0]) * 2,
    });
  });

  it('metering – NATS restarted under a load of streaming requests: every completed request is in the aggregates exactly once', async () => {
    // Streams of about a second, so that many are in flight when NATS goes away and finish while it is away.
    await fetch(`${gw.stack.urls.mockProvider.replace(/\/v1$/, '')}/_mock/behavior`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chunkDelayMs: 120, chunks: 8 }),
    });
    const completed: OpenAI.CompletionUsage[] = [];
    let failed = 0;
    let running = true;
    const worker = async () => {
      const openai = client(LOAD_KEY);
      while (running) {
        try {
          const stream = await openai.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `load ${completed.length}` }],
            stream: true,
            stream_options: { include_usage: true },
          });
          let usage: OpenAI.CompletionUsage | undefined;
          for await (const chunk of stream) usage = chunk.usage ?? usage;
          if (usage) completed.push(usage);
        } catch {
          // Refused while NATS is away (auth, quota or router unreachable): never reached an upstream.
          failed++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const spooledBefore = await metric('aigw_proxy_usage_events_total', 'result="spooled"');
    const workers = Array.from({ length: 6 }, worker);
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      const beforeOutage = completed.length;
      // Longer than JetStream's publish timeout (5 s): the events of streams that end meanwhile must go to the spool.
      await gw.nats.stop();
      await new Promise((r) => setTimeout(r, 7_000));
      await gw.nats.restart();
      await new Promise((r) => setTimeout(r, 4_000));
      expect(beforeOutage).toBeGreaterThan(0);
      expect(completed.length).toBeGreaterThan(beforeOutage);
    } finally {
      running = false;
      await Promise.all(workers);
      await fetch(`${gw.stack.urls.mockProvider.replace(/\/v1$/, '')}/_mock/behavior`, { method: 'DELETE' });
    }
    expect(failed).toBeGreaterThan(0);
    expect(await metric('aigw_proxy_usage_events_total', 'result="spooled"')).toBeGreaterThan(spooledBefore);

    const expected = {
      requests: completed.length,
      errors: 0,
      prompt_tokens: completed.reduce((n, u) => n + u.prompt_tokens, 0),
      completion_tokens: completed.reduce((n, u) => n + u.completion_tokens, 0),
      cost_micros: completed.reduce((n, u) => n + costOf(u), 0),
    };
    const usage = await until(() => usageOf('key_load'), (u) => u.requests >= expected.requests, 45_000);
    expect(usage).toEqual(expected);
    expect(await until(() => metric('aigw_proxy_usage_spool_events'), (n) => n === 0, 10_000)).toBe(0);
  }, 120_000);
});
