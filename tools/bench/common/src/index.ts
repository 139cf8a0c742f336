export * from './bench-server';
