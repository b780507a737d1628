import type { BusClient } from '@aigw/bus';
import { Release, Renew } from '@aigw/contracts';
import { LeaseKeeper } from './lease-keeper';

/** A bus that records the notices it is asked to send. */
function recordingBus() {
  const sent: { subject: string; payload: unknown; awaited?: boolean }[] = [];
  const bus = {
    notify: (contract: { subject: string }, payload: unknown) => sent.push({ subject: contract.subject, payload }),
    request: async (contract: { subject: string }, payload: unknown) => {
      sent.push({ subject: contract.subject, payload, awaited: true });
      return { released: true };
    },
  };
  return { bus: bus as unknown as BusClient, sent };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('lease keeper', () => {
  test('lease keeper – a completing response releases its held slot as a request it can wait for, once', async () => {
    const { bus, sent } = recordingBus();
    const keeper = new LeaseKeeper(bus);
    const held = keeper.track('req_held');
    held.admitted(3000);
    await held.settle();
    held.end(true);
    await held.settle();
    expect(sent).toEqual([{ subject: Release.subject, payload: { requestId: 'req_held', usageFollows: true }, awaited: true }]);
    expect(jest.getTimerCount()).toBe(0);

    // Without a concurrency lease there is nothing to give back: its usage event settles it.
    const unleased = keeper.track('req_free');
    unleased.admitted(undefined);
    await unleased.settle();
    unleased.end(true);
    expect(sent).toHaveLength(1);
  });

  test('lease keeper – renews every held lease in one notice every third of the TTL, until they end', () => {
    const { bus, sent } = recordingBus();
    const keeper = new LeaseKeeper(bus);
    const a = keeper.track('req_a');
    const b = keeper.track('req_b');
    a.admitted(3000);
    b.admitted(3000);
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual([{ subject: Renew.subject, payload: { requestIds: ['req_a', 'req_b'] } }]);

    a.end(true);
    jest.advanceTimersByTime(1000);
    expect(sent.slice(1)).toEqual([
      { subject: Release.subject, payload: { requestId: 'req_a', usageFollows: true } },
      { subject: Renew.subject, payload: { requestIds: ['req_b'] } },
    ]);

    b.end(false);
    jest.advanceTimersByTime(10_000);
    expect(sent.slice(3)).toEqual([{ subject: Release.subject, payload: { requestId: 'req_b', usageFollows: false } }]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('lease keeper – a response that ended before quota answered gives back what quota then grants', () => {
    const { bus, sent } = recordingBus();
    const keeper = new LeaseKeeper(bus);
    const leased = keeper.track('req_gone');
    leased.end(false);
    expect(sent).toEqual([]);
    leased.admitted(30_000);
    const unleased = keeper.track('req_gone_too');
    unleased.end(false);
    unleased.admitted(undefined);
    expect(sent).toEqual([
      { subject: Release.subject, payload: { requestId: 'req_gone', usageFollows: false } },
      { subject: Release.subject, payload: { requestId: 'req_gone_too', usageFollows: false } },
    ]);
    jest.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(2);
  });

  test('lease keeper – a request without a lease is released only when no usage event follows, to refund it', () => {
    const { bus, sent } = recordingBus();
    const keeper = new LeaseKeeper(bus);
    const served = keeper.track('req_served');
    served.admitted(undefined);
    served.end(true);
    const failed = keeper.track('req_failed');
    failed.admitted(undefined);
    failed.end(false);
    keeper.track('req_refused').end(false);
    jest.advanceTimersByTime(60_000);
    expect(sent).toEqual([{ subject: Release.subject, payload: { requestId: 'req_failed', usageFollows: false } }]);
  });

  test('lease keeper – splits a renewal of many leases into notices of at most 1000 ids', () => {
    const { bus, sent } = recordingBus();
    const keeper = new LeaseKeeper(bus);
    for (let i = 0; i < 2500; i++) keeper.track(`req_${i}`).admitted(3000);
    jest.advanceTimersByTime(1000);
    expect(sent.map((s) => (s.payload as { requestIds: string[] }).requestIds.length)).toEqual([1000, 1000, 500]);
  });
});
