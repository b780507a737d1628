export * from './logger';
export * from './metrics';
export * from './ops-server';
export * from './shutdown';
export * from './tracing';
export * from './gen-ai';
