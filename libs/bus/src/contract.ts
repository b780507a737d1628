import type { z } from 'zod';
import type { ServiceName } from '@aigw/contracts';

/** A request/reply endpoint as `libs/contracts` declares it. */
export interface EndpointContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  subject: string;
  service: ServiceName;
  Request: Req;
  Response: Res;
}
