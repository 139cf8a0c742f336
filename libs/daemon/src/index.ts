export * from './flags';
export * from './run-command';
