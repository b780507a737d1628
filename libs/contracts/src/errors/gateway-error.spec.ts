import { ErrorCode } from './codes';
import { GatewayError, errors, gatewayErrorFromJSON } from './gateway-error';

describe('errors – registry', () => {
  it('names every class after itself', () => {
    for (const [name, ErrorClass] of Object.entries(errors)) {
      expect(ErrorClass.name).toBe(name);
    }
  });

  it('gives every error a code from the ErrorCode registry', () => {
    const samples: GatewayError[] = [
      new errors.InvalidRequestError('bad', 'model'),
      new errors.InvalidJsonError('bad json'),
      new errors.InvalidApiKeyError(),
      new errors.PermissionDeniedError('no'),
      new errors.ModelNotFoundError('m'),
      new errors.NotFoundError('GET', '/x'),
      new errors.RequestTooLargeError(10),
      new errors.UnsupportedContentEncodingError('gzip'),
      new errors.RequestTimeoutError(30_000),
      new errors.HeadersTooLargeError(),
      new errors.RateLimitError('slow down', 3),
      new errors.ServiceUnavailableError('quota', 'down'),
      new errors.UpstreamError('bad gateway', 500),
      new errors.UpstreamTimeoutError('slow'),
      new errors.ContractViolationError('quota.v1.admit', 'model Required'),
      new errors.InternalError('bug'),
    ];
    const codes = new Set(Object.values(ErrorCode));
    for (const err of samples) {
      expect(codes.has(err.code)).toBe(true);
      expect(err.name).toBe(err.constructor.name);
    }
    // Every code but none is produced by some class.
    expect(new Set(samples.map((e) => e.code))).toEqual(codes);
  });
});

describe('errors – JSON form', () => {
  it('survives a round trip with its code and details', () => {
    const err = new errors.RateLimitError('Rate limit reached', 12);
    const back = gatewayErrorFromJSON(JSON.parse(JSON.stringify(err)));
    expect(back).toBeInstanceOf(GatewayError);
    expect(back.code).toBe(ErrorCode.RateLimitExceeded);
    expect(back.message).toBe('Rate limit reached');
    expect(back.details).toEqual({ retryAfterS: 12 });
  });

  it('turns an unknown code into internal_error rather than trusting it', () => {
    expect(gatewayErrorFromJSON({ code: 'made_up', message: 'x' }).code).toBe(ErrorCode.Internal);
  });
});
