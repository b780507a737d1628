export * from './infra';
export * from './services';
export * from './stack';
export * from './stack-file';
export * from './supervisor';
