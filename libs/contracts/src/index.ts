export * from './component-spec';
export * from './component-rules';
export * from './agent-protocol';
export * from './management-api';
export * from './placeholders';
export * from './spec-rules';
