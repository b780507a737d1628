import { RoutingSection } from '@aigw/config';
import { CircuitBreaker, type CircuitRecord } from './circuit-breaker';

const settings = RoutingSection.parse({
  breaker: { consecutiveFailures: 3, failureRate: 0.5, windowMs: 10_000, minRequests: 6, cooldownMs: 1_000, maxCooldownMs: 3_000, halfOpenProbes: 1, probeTimeoutMs: 5_000 },
}).breaker;

/** A breaker that applies its own proposals, as the health board does. */
function breaker(replica = 'r1') {
  const b = new CircuitBreaker(() => settings, replica);
  const fail = (now: number) => {
    const proposal = b.onFailure(now);
    if (proposal) b.apply(proposal);
    return proposal;
  };
  const succeed = (now: number) => {
    const proposal = b.onSuccess(now);
    if (proposal) b.apply(proposal);
    return proposal;
  };
  return { b, fail, succeed };
}

describe('circuit breaker – with the default settings', () => {
  it('circuit – a deployment that starts failing every other call at 20 requests a second opens within 3 s', () => {
    const defaults = RoutingSection.parse({}).breaker;
    const b = new CircuitBreaker(() => defaults, 'r1');
    // A minute of successes first: what a long window would keep, holding the rate under its threshold.
    let now = 1_000_000;
    for (let i = 0; i < 1_200; i += 1, now += 50) b.onSuccess(now);
    const onset = now;
    let opened: number | undefined;
    for (let i = 0; opened === undefined && i < 400; i += 1, now += 50) {
      const proposal = i % 2 === 0 ? b.onFailure(now) : b.onSuccess(now);
      if (proposal?.state === 'open') {
        b.apply(proposal);
        opened = now;
      }
    }
    expect(opened).toBeDefined();
    expect(opened! - onset).toBeLessThanOrEqual(3_000);
  });
});

describe('circuit breaker', () => {
  it('circuit – opens after N failures in a row, and a success in between starts the count again', () => {
    const { b, fail, succeed } = breaker();
    fail(0);
    fail(1);
    succeed(2);
    fail(3);
    fail(4);
    expect(b.state(5)).toBe('closed');
    expect(fail(5)).toMatchObject({ state: 'open', until: 1_005, opens: 1, gen: 1, by: 'r1' });
    expect(b.state(6)).toBe('open');
  });

  it('circuit – opens on the failure rate over the window once enough attempts were seen', () => {
    const { b, fail, succeed } = breaker();
    // Alternating: never 3 in a row, but half of them fail.
    for (let t = 0; t < 5; t += 1) (t % 2 === 0 ? fail : succeed)(t * 100);
    expect(b.state(500)).toBe('closed');
    fail(600);
    expect(b.state(601)).toBe('open');
  });

  it('circuit – forgets failures older than the window', () => {
    const { b, fail, succeed } = breaker();
    fail(0);
    succeed(1);
    fail(2);
    succeed(3);
    fail(4);
    // 15 s later the old outcomes are gone: 1 of 1 in the window is below minRequests.
    succeed(15_000);
    fail(15_001);
    expect(b.state(15_002)).toBe('closed');
  });

  it('circuit – half-open after the cool-down lets one probe through, and closes on its success', () => {
    const { b, fail, succeed } = breaker();
    for (let t = 0; t < 3; t += 1) fail(t);
    expect(b.state(1_001)).toBe('open');
    expect(b.state(1_002)).toBe('half_open');
    expect(b.tryProbe(1_002, 'req-1')).toBe(true);
    expect(b.tryProbe(1_003, 'req-2')).toBe(false);
    expect(succeed(1_100)).toMatchObject({ state: 'closed', gen: 2 });
    expect(b.state(1_101)).toBe('closed');
  });

  it('circuit – a failed probe opens it again for twice as long, up to the maximum', () => {
    const { fail } = breaker();
    for (let t = 0; t < 3; t += 1) fail(t);
    expect(fail(1_002)).toMatchObject({ state: 'open', until: 3_002, opens: 2 });
    // 1000 × 2^2 = 4000 is over the 3000 ms maximum.
    expect(fail(3_002)).toMatchObject({ until: 6_002, opens: 3 });
    expect(fail(6_002)).toMatchObject({ until: 9_002, opens: 4 });
  });

  it('circuit – a probe slot that never reports is given back after the probe timeout', () => {
    const { b, fail } = breaker();
    for (let t = 0; t < 3; t += 1) fail(t);
    expect(b.tryProbe(1_002, 'lost')).toBe(true);
    expect(b.tryProbe(5_000, 'next')).toBe(false);
    expect(b.tryProbe(6_003, 'next')).toBe(true);
  });

  it('circuit – replicas that apply the same records in any order end with the same one', () => {
    const a: CircuitRecord = { state: 'open', until: 1_000, opens: 1, gen: 1, by: 'replica-a' };
    const b: CircuitRecord = { state: 'open', until: 1_003, opens: 1, gen: 1, by: 'replica-b' };
    const closed: CircuitRecord = { state: 'closed', until: 0, opens: 0, gen: 2, by: 'replica-a' };
    const one = breaker('replica-a').b;
    const two = breaker('replica-b').b;
    for (const r of [a, b, closed]) one.apply(r);
    for (const r of [closed, b, a]) two.apply(r);
    expect(one.record).toEqual(closed);
    expect(two.record).toEqual(closed);
    const three = breaker('x').b;
    const four = breaker('y').b;
    three.apply(a);
    three.apply(b);
    four.apply(b);
    four.apply(a);
    expect(three.record).toEqual(b);
    expect(four.record).toEqual(b);
  });
});
