export * from './tar';
export * from './oci';
export * from './toolchain';
export * from './images';
export * from './build';
