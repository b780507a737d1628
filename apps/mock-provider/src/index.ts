export { startMockProvider, type MockProvider, type MockProviderOptions } from './server';
export { DEFAULT_BEHAVIOR, type Behavior, type BehaviorPatch, type BehaviorState } from './behavior';
