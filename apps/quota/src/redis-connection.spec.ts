import { ReplyError } from 'ioredis';
import { ErrorCode, ServiceUnavailableError } from '@aigw/contracts';
import { redisFailure } from './redis-connection';

describe('redis failure policy', () => {
  test('redis failure – a lost connection is service_unavailable, keeping the cause', () => {
    const cause = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    const err = redisFailure(cause);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({ code: ErrorCode.ServiceUnavailable, details: { service: 'quota' }, cause });
  });

  test('redis failure – a Redis that is loading, read-only or full is service_unavailable too', () => {
    const replies = [
      'LOADING Redis is loading the dataset in memory',
      "READONLY You can't write against a read only replica.",
      'OOM command not allowed when used memory > maxmemory.',
    ];
    for (const message of replies) expect(redisFailure(new ReplyError(message))).toBeInstanceOf(ServiceUnavailableError);
  });

  test('redis failure – a script error is passed on as it is, to surface as an internal error', () => {
    const scriptError = new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable');
    expect(redisFailure(scriptError)).toBe(scriptError);
  });
});
