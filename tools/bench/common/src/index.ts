export * from './bench-server';
export * from './physical-limit';
