export * from './infra';
export * from './services';
export * from './stack';
