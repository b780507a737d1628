import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './infra';
import { readStackFile, removeStackFile, writeStackFile, type StackFile } from './stack-file';

const FILE: StackFile = {
  urls: { gateway: 'http://127.0.0.1:8080/v1', metering: 'http://127.0.0.1:8081/v1', mockProvider: 'http://127.0.0.1:8090/v1', authAdmin: 'http://127.0.0.1:8082/admin/v1' },
  ports: { 'mock-provider': 8090, auth: 9101, quota: 9102, router: 9103, metering: 8081, proxy: 8080 },
  pids: { 'mock-provider': 11, auth: 12, quota: 13, router: 14, metering: 15, proxy: 16 },
  natsUrl: 'nats://127.0.0.1:4222',
  redisUrl: 'redis://127.0.0.1:6379',
  dataDir: '/srv/aigw/.data',
};

describe('stack file – what npm start tells tools on this machine', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stack-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what was written', () => {
    writeStackFile(join(dir, 'stack.json'), FILE);
    expect(readStackFile(join(dir, 'stack.json'))).toEqual(FILE);
  });

  it('without a running stack, says to start one', () => {
    writeStackFile(join(dir, 'stack.json'), FILE);
    removeStackFile(join(dir, 'stack.json'));
    expect(() => readStackFile(join(dir, 'stack.json'))).toThrow(StackError);
    expect(() => readStackFile(join(dir, 'stack.json'))).toThrow(/start one with `npm start`/);
  });
});
