export * from './error-reply';
export * from './security-headers';
export * from './edge-server';
export * from './json-shape';
export * from './error-handler';
export * from './drain-body';
