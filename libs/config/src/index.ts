export * from './env';
export * from './gateway-config';
export * from './routing-document';
export * from './sections/routing';
export { RoutingStrategy } from './sections/upstreams';
export * from './effective-limits';
export * from './sections/quota';
export * from './sections/auth';
export * from './usage-stream';
