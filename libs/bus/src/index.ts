export * from './contract';
export * from './connect';
export * from './codec';
export * from './client';
export * from './service';
export * from './jetstream';
export * from './broadcast';
export * from './end-of-turn';
export { traceContextOf, traceHeaders } from './trace-context';
