export * from './types';
export * from './registry';
export * from './stream/sse-framer';
export * from './stream/sse-event';
