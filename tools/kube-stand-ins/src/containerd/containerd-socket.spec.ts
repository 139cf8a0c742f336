import { grpcAddressFromConfig } from './containerd-socket';

describe('grpcAddressFromConfig', () => {
  it('reads [grpc] address and ignores other sections', () => {
    const toml = 'version = 3\n[ttrpc]\n  address = "/x.ttrpc"\n[grpc]\n  address = "/run/c/containerd.sock"\n[debug]\n  address = ""\n';
    expect(grpcAddressFromConfig(toml)).toBe('/run/c/containerd.sock');
  });

  it('is undefined without a [grpc] address', () => {
    expect(grpcAddressFromConfig('version = 3\n[debug]\n  address = "/d"\n')).toBeUndefined();
  });
});
