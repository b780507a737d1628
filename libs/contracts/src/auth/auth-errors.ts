import { ErrorCode } from '../errors/codes';
import { GatewayError } from '../errors/gateway-error';

/** No tenant with this id (GetTenant, the admin API). */
export class TenantNotFoundError extends GatewayError {
  constructor(tenantId: string) {
    super(ErrorCode.NotFound, `No tenant with the id '${tenantId}'.`);
    this.name = 'TenantNotFoundError';
  }
}

/** No key with this id (the admin API). */
export class KeyNotFoundError extends GatewayError {
  constructor(keyId: string) {
    super(ErrorCode.NotFound, `No key with the id '${keyId}'.`);
    this.name = 'KeyNotFoundError';
  }
}
