import { problemOf, semiSpaceMb } from './services';

describe('stack – what a service reports to the terminal', () => {
  it('problems – a warning or worse, with the error’s class and message but not its stack', () => {
    const fatal = JSON.stringify({ level: 'fatal', msg: 'metering failed to start', err: { type: 'Error', message: 'listen EADDRINUSE: address already in use 127.0.0.1:8081', stack: 'Error: listen EADDRINUSE\n    at ...' } });
    expect(problemOf(fatal)).toBe('fatal: metering failed to start (Error: listen EADDRINUSE: address already in use 127.0.0.1:8081)');
    expect(problemOf(JSON.stringify({ level: 'warn', msg: 'NATS disconnected' }))).toBe('warn: NATS disconnected');
    expect(problemOf(JSON.stringify({ level: 50, msg: 'numeric level' }))).toBe('50: numeric level');
  });

  it('problems – nothing for info and below, or for a line that is not a JSON log record', () => {
    expect(problemOf(JSON.stringify({ level: 'info', msg: 'service started' }))).toBeUndefined();
    expect(problemOf('Debugger listening on ws://127.0.0.1:9229')).toBeUndefined();
    expect(problemOf('{ not json')).toBeUndefined();
  });
});

describe('stack – the young generation each service gets', () => {
  it('Node 20 keeps its own 16 MB semi-spaces', () => {
    expect(semiSpaceMb(20)).toBe(16);
  });

  it('Node 22 and later, which would let them grow to 64 MB, get 8 MB: the proxy stays under 300 MB at 1,000 streams', () => {
    expect(semiSpaceMb(22)).toBe(8);
    expect(semiSpaceMb(24)).toBe(8);
  });
});
