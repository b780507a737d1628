export * from './free-port';
export * from './infra';
