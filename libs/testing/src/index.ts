export * from './free-port';
export * from './infra';
export * from './prometheus-text';
