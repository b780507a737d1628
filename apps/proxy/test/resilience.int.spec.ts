import { APIError } from 'openai';
import type { Subscription } from '@nats-io/transport-node';
import { decodeJson } from '@aigw/bus';
import { AttemptsReportedEvent, Route, type AttemptFinished, type AttemptsReported, type AttemptStarted, type RouteRequest } from '@aigw/contracts';
import { startHarness, type Harness } from './harness';

let h: Harness;
const seen: { started: AttemptStarted[]; finished: AttemptFinished[]; routes: RouteRequest[] } = { started: [], finished: [], routes: [] };
let subs: Subscription[];

beforeAll(async () => {
  h = await startHarness();
  const collect = (subject: string, into: (data: unknown) => void) =>
    h.nc.subscribe(subject, {
      callback: (_err, msg) => {
        into(decodeJson(msg.data));
      },
    });
  subs = [
    collect(AttemptsReportedEvent.subject, (data) => {
      const batch = data as AttemptsReported;
      seen.started.push(...batch.started);
      seen.finished.push(...batch.finished);
    }),
    collect(Route.subject, (data) => seen.routes.push(data as RouteRequest)),
  ];
  await h.nc.flush();
});
afterAll(async () => {
  for (const sub of subs) sub.unsubscribe();
  await h.close();
});

const messages = [{ role: 'user' as const, content: 'Count to three' }];

/** The attempt reports of one request, once its last one has arrived. */
async function attemptsOf(requestId: string, finishedCount: number) {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && seen.finished.filter((e) => e.requestId === requestId).length < finishedCount) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { started: seen.started.filter((e) => e.requestId === requestId), finished: seen.finished.filter((e) => e.requestId === requestId) };
}

describe('proxy – a deployment’s first-byte deadline', () => {
  it('attempts – a hung deployment with firstByteMs is given up on a non-stream request after it, and the next one serves', async () => {
    const started = performance.now();
    const { data, request_id } = await h.client().chat.completions.create({ model: 'gpt-hang-failover', messages }).withResponse();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(data.choices[0]!.message.content).toBe('Hello there from up-ok');
    const { finished } = await attemptsOf(request_id!, 2);
    expect(finished.map((e) => [e.deploymentId, e.outcome])).toEqual([
      ['dep-hang-fast', 'timeout'],
      ['dep-ok-5', 'ok'],
    ]);
  });
});

describe('proxy – a malformed non-stream answer', () => {
  it('attempts – is a failed attempt: the next candidate serves the client, and the router hears server_error', async () => {
    const { data, request_id } = await h.client().chat.completions.create({ model: 'gpt-malformed', messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello there from up-ok');
    const { finished } = await attemptsOf(request_id!, 2);
    expect(finished.map((e) => [e.deploymentId, e.outcome])).toEqual([
      ['dep-malformed', 'server_error'],
      ['dep-ok-4', 'ok'],
    ]);
  });

  it('attempts – with no other candidate, is a 502 naming the deployment, in the client’s format', async () => {
    const err = await h.client().chat.completions.create({ model: 'gpt-malformed-only', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_error' });
    expect((err as APIError).message).toMatch(/deployment 'dep-malformed' answered with a malformed body/);
  });
});

describe('proxy – a stream that ends without its final event', () => {
  it('attempts – is reported to the router as a failed (server_error) streamed attempt, not ok', async () => {
    const { data: stream, request_id } = await h.client().chat.completions.create({ model: 'gpt-no-done', messages, stream: true }).withResponse();
    await (async () => {
      for await (const chunk of stream) void chunk;
    })().catch(() => undefined);
    const { finished } = await attemptsOf(request_id!, 1);
    expect(finished).toEqual([expect.objectContaining({ deploymentId: 'dep-no-done', outcome: 'server_error', streamed: true })]);
  });
});

describe('proxy – attempt reports for the router', () => {
  it('attempts – reports each attempt\'s start and outcome, and asks the router with the request\'s features, never its prompt', async () => {
    const { request_id } = await h.client().chat.completions.create({ model: 'gpt-failover', messages, max_tokens: 50 }).withResponse();
    const { started, finished } = await attemptsOf(request_id!, 2);
    expect(started.map((e) => [e.attempt, e.deploymentId, e.promptTokens])).toEqual([
      [1, 'dep-500', 4],
      [2, 'dep-ok-2', 4],
    ]);
    expect(finished).toEqual([
      expect.objectContaining({ attempt: 1, deploymentId: 'dep-500', source: 'proxy', outcome: 'server_error', status: 500, streamed: false }),
      expect.objectContaining({ attempt: 2, deploymentId: 'dep-ok-2', outcome: 'ok', status: 200, ttftMs: expect.any(Number), latencyMs: expect.any(Number) }),
    ]);
    const route = seen.routes.find((r) => r.requestId === request_id);
    expect(route).toEqual({ model: 'gpt-failover', requestId: request_id, features: { stream: false, promptTokens: 4, maxTokens: 50, sample: 'Count to three' } });
  });

  it('attempts – reports a stream when it ends, with its time to first byte and the tokens it used', async () => {
    const { data: stream, request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages, stream: true }).withResponse();
    for await (const chunk of stream) void chunk;
    const { finished } = await attemptsOf(request_id!, 1);
    expect(finished).toEqual([expect.objectContaining({ outcome: 'ok', streamed: true, completionTokens: 3, promptTokens: 11 })]);
    expect(finished[0]!.latencyMs).toBeGreaterThanOrEqual(finished[0]!.ttftMs!);
  });
});

describe('proxy – retries and deadlines', () => {
  it('retry – goes back to a deployment that failed transiently once every candidate was tried, within the attempt budget', async () => {
    const before = h.upstream.requestsFor('up-500').length;
    const err = await h.client().chat.completions.create({ model: 'gpt-all-fail', messages }).withResponse().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500 });
    // Budget 3: dep-500, the dead dep-down, then dep-500 again.
    expect(h.upstream.requestsFor('up-500').length - before).toBe(2);
  });

  it('first byte – gives up on a stream whose first chunk does not come in time', async () => {
    const other = await h.startAnotherProxy({ resilience: { firstByteMs: 300, maxAttempts: 1 } });
    const started = Date.now();
    const err = await h
      .client()
      .withOptions({ baseURL: `${other.url}/v1` })
      .chat.completions.create({ model: 'gpt-hang', messages, stream: true })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((err as APIError).message).toContain("deployment 'dep-hang' sent no first byte within 300 ms");
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('total – ends a stream that outlives the request deadline with an in-band timeout error, and meters what was sent', async () => {
    const other = await h.startAnotherProxy({ resilience: { totalMs: 300 } });
    const { data: stream, request_id } = await h
      .client()
      .withOptions({ baseURL: `${other.url}/v1` })
      .chat.completions.create({ model: 'gpt-slow', messages, stream: true })
      .withResponse();
    let chunks = 0;
    const err = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) chunks += 1;
    })().catch((e: unknown) => e);
    expect(chunks).toBeGreaterThan(5);
    expect(chunks).toBeLessThan(100);
    expect(err).toMatchObject({ code: 'upstream_timeout' });
    expect((err as APIError).message).toContain("did not finish within the request's 300 ms");
    expect(await h.usageEvent(request_id!)).toMatchObject({ deploymentId: 'dep-slow', incomplete: true, status: 200 });
    const { finished } = await attemptsOf(request_id!, 1);
    expect(finished).toEqual([expect.objectContaining({ outcome: 'timeout', streamed: true })]);
  });
});
