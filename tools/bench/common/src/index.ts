export * from './bench-server';
export * from './physical-limit';
export * from './wait-until';
export * from './redis-prefix';
