export * from './component-spec';
export * from './agent-protocol';
