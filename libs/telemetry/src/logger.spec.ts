import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { createLogger } from './logger';

/** Collects emitted log lines as parsed objects, so assertions are made on structure. */
function sink(): { stream: Writable; lines: Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    get lines() {
      return chunks.join('').trim().split('\n').map((l) => JSON.parse(l));
    },
    text: () => chunks.join(''),
  };
}

describe('logger – redaction', () => {
  it('never writes keys or authorization headers', () => {
    const out = sink();
    const log = createLogger('test', 'info', out.stream);
    log.info({ headers: { authorization: 'Bearer sk-secret-1', 'x-api-key': 'sk-secret-2' } }, 'incoming');
    log.info({ key: 'sk-secret-3', upstream: { apiKey: 'sk-secret-4' } }, 'calling');
    expect(out.text()).not.toMatch(/sk-secret/);
    expect(out.lines[0].headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]' });
  });

  it('tags every line with the service and an ISO time', () => {
    const out = sink();
    createLogger('quota', 'info', out.stream).child({ reqId: 'req_1' }).warn('slow');
    expect(out.lines[0]).toMatchObject({ service: 'quota', reqId: 'req_1', level: 'warn', msg: 'slow' });
    expect(String(out.lines[0].time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('logger – prompt and completion text', () => {
  const request = { body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my secret plan' }] } };
  const answer = { choices: [{ message: { content: 'the plan, improved' } }], prompt: 'legacy prompt', input: 'embed me' };

  it('is censored by default, wherever a wire format carries it', () => {
    const out = sink();
    const log = createLogger('test', 'info', out.stream);
    log.info({ req: request, upstream: answer, model: 'gpt-4o-mini' }, 'exchange');
    log.info(answer, 'top level');
    expect(out.text()).not.toMatch(/secret plan|improved|legacy prompt|embed me/);
    expect(out.lines[0]).toMatchObject({ model: 'gpt-4o-mini', req: { body: '[redacted]' }, upstream: { choices: '[redacted]' } });
  });

  it('is logged when content logging is opted into, secrets still censored', () => {
    const out = sink();
    const log = createLogger('test', 'info', out.stream, { logContent: true });
    log.info({ req: request, headers: { authorization: 'Bearer sk-secret-5' } }, 'exchange');
    expect(out.text()).toMatch(/my secret plan/);
    expect(out.text()).not.toMatch(/sk-secret/);
  });
});

describe('logger – stdout', () => {
  /** Runs a script that logs to stdout through `createLogger`, and returns the messages it printed. */
  function messagesOf(script: string): string[] {
    const source = `const { createLogger } = require(${JSON.stringify(require.resolve('./logger'))}); const log = createLogger('t'); ${script}`;
    const { stdout } = spawnSync(process.execPath, ['--import', 'tsx', '-e', source], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return stdout.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
  }

  it('writes buffered lines within 100 ms, without waiting for more', () => {
    expect(messagesOf(`log.info('first'); setTimeout(() => { log.info('second'); setTimeout(() => {}, 300); }, 300);`)).toEqual(['first', 'second']);
  });

  it('writes nothing while nothing is logged', () => {
    const countWrites = `const fs = require('node:fs'); const write = fs.write; let writes = 0; fs.write = (...args) => { writes++; return write(...args); };`;
    const idleWrites = `setTimeout(() => { const before = writes; setTimeout(() => log.info(String(writes - before)), 500); }, 300);`;
    expect(messagesOf(`${countWrites} log.info('first'); ${idleWrites}`)).toEqual(['first', '0']);
  });

  it('loses nothing buffered when the process exits or crashes', () => {
    expect(messagesOf(`log.info('before exit'); process.exit(1);`)).toEqual(['before exit']);
    expect(messagesOf(`log.info('before crash'); setTimeout(() => { throw new Error('boom'); }, 10);`)).toEqual(['before crash']);
  });
});
