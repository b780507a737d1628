export * from './types';
export * from './registry';
export * from './formats';
export * from './upstream-status';
export * from './stream/sse-framer';
export * from './stream/sse-event';
export { looksLikeJsonObject } from './json/scan';
