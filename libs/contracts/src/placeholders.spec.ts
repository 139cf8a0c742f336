import fc from 'fast-check';
import type { ComponentSpec } from './component-spec';
import { expandComponentSpec, expandPlaceholders, PlaceholderValues } from './placeholders';

const values: PlaceholderValues = {
  componentDir: '/state/components/etcd',
  dataDir: '/state/data/etcd',
  address: '10.0.0.5',
  hostname: 'node-a',
  binDir: '/opt/bin',
};

describe('expandPlaceholders', () => {
  it('replaces every known placeholder, repeatedly', () => {
    expect(expandPlaceholders('--data-dir=${dataDir} --cert=${componentDir}/a.pem ${address}:${address}', values)).toBe(
      '--data-dir=/state/data/etcd --cert=/state/components/etcd/a.pem 10.0.0.5:10.0.0.5',
    );
    expect(expandPlaceholders('${hostname} ${binDir}/x', values)).toBe('node-a /opt/bin/x');
  });

  it('leaves unknown placeholders and plain text alone', () => {
    expect(expandPlaceholders('${HOME} $address {address} ${ address}', values)).toBe('${HOME} $address {address} ${ address}');
  });

  it('is the identity on strings without "${"', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('${')), (s) => expect(expandPlaceholders(s, values)).toBe(s)));
  });
});

describe('expandComponentSpec', () => {
  const spec: ComponentSpec = {
    name: 'etcd',
    kind: 'etcd',
    binary: 'etcd',
    args: ['--data-dir=${dataDir}', '--listen-client-urls=https://${address}:2379'],
    env: { ETCD_NAME: '${hostname}' },
    files: [{ path: 'pki/${hostname}.pem', content: 'literal ${address}', mode: 0o600 }],
    ports: [2379],
    probe: {
      type: 'https',
      port: 2379,
      path: '/health',
      caFile: '${componentDir}/ca.pem',
      intervalSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
  };

  it('expands args, env, file paths and probe fields but not file contents', () => {
    const out = expandComponentSpec(spec, values);
    expect(out.args).toEqual(['--data-dir=/state/data/etcd', '--listen-client-urls=https://10.0.0.5:2379']);
    expect(out.env).toEqual({ ETCD_NAME: 'node-a' });
    expect(out.files[0]).toEqual({ path: 'pki/node-a.pem', content: 'literal ${address}', mode: 0o600 });
    expect(out.probe?.caFile).toBe('/state/components/etcd/ca.pem');
  });

  it('expands a file\'s content only when the file asks for it', () => {
    const config = { path: 'config.toml', content: 'root = "${dataDir}/root"\naddress = "${address}" # ${HOME}', mode: 0o644, expandContent: true };
    const out = expandComponentSpec({ ...spec, files: [...spec.files, config] }, values);
    expect(out.files[0].content).toBe('literal ${address}');
    expect(out.files[1].content).toBe('root = "/state/data/etcd/root"\naddress = "10.0.0.5" # ${HOME}');
  });

  it('expands init step args, env values, output and download paths but not urls or hashes', () => {
    const sha256 = 'ab'.repeat(32);
    const withInit: ComponentSpec = {
      ...spec,
      init: [
        {
          name: 'restore-snapshot',
          binary: 'etcdutl',
          args: ['snapshot', 'restore', '${componentDir}/restore/snapshot.db', '--name=${hostname}', '--data-dir=${dataDir}/restore-3'],
          env: { ETCDUTL_HOST: '${address}' },
          downloads: [{ url: '/v1/agent/etcd-snapshots/${hostname}/data', sha256, path: 'restore/${hostname}.db' }],
          output: '${dataDir}/restore-3',
        },
        { name: 'plain', binary: 'true', args: [], output: '${dataDir}/plain' },
      ],
    };
    const [step, plain] = expandComponentSpec(withInit, values).init!;
    expect(step).toEqual({
      name: 'restore-snapshot',
      binary: 'etcdutl',
      args: ['snapshot', 'restore', '/state/components/etcd/restore/snapshot.db', '--name=node-a', '--data-dir=/state/data/etcd/restore-3'],
      env: { ETCDUTL_HOST: '10.0.0.5' },
      downloads: [{ url: '/v1/agent/etcd-snapshots/${hostname}/data', sha256, path: 'restore/node-a.db' }],
      output: '/state/data/etcd/restore-3',
    });
    expect(plain).toEqual({ name: 'plain', binary: 'true', args: [], output: '/state/data/etcd/plain' });
    expect(expandComponentSpec(spec, values).init).toBeUndefined();
  });

  it('defaults the probe host to the host address', () => {
    expect(expandComponentSpec(spec, values).probe?.host).toBe('10.0.0.5');
    const withHost = { ...spec, probe: { ...spec.probe!, host: '127.0.0.1' } };
    expect(expandComponentSpec(withHost, values).probe?.host).toBe('127.0.0.1');
  });

  it('does not mutate its input', () => {
    const copy = JSON.parse(JSON.stringify(spec));
    expandComponentSpec(spec, values);
    expect(spec).toEqual(copy);
  });
});
