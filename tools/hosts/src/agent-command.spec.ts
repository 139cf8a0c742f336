import * as fs from 'node:fs';
import { agentArgv } from './agent-command';
import type { TestHost } from './test-host';

const host: TestHost = {
  index: 0,
  name: 'h0',
  namespace: 'crl-abc123-h0',
  address: '10.213.5.2',
  link: 'crlabc123v0',
  stateDir: '/tmp/x/h0/state',
  logDir: '/tmp/x/h0/logs',
};

describe('agentArgv', () => {
  it('points the agent at its own state dir, address and a run-unique host name', () => {
    const argv = agentArgv(host, {
      server: 'https://10.213.5.1:8443',
      token: 't',
      caFile: '/tmp/x/ca.crt',
      roles: ['etcd', 'worker'],
      labels: { zone: 'a' },
      extraArgs: ['--heartbeat-interval', '500ms'],
    });
    expect(argv[0]).toBe(process.execPath);
    expect(argv[1]).toMatch(/\/dist\/apps\/agent\/src\/main\.js$/);
    expect(fs.existsSync(argv[1].replace(/\/dist\/apps\/agent\/src\/main\.js$/, '/nx.json'))).toBe(true);
    expect(argv.slice(2)).toEqual([
      '--server', 'https://10.213.5.1:8443',
      '--state-dir', '/tmp/x/h0/state',
      '--address', '10.213.5.2',
      '--hostname', 'crl-abc123-h0',
      '--token', 't',
      '--ca-file', '/tmp/x/ca.crt',
      '--roles', 'etcd,worker',
      '--labels', 'zone=a',
      '--heartbeat-interval', '500ms',
    ]);
  });

  it('gives an https server the test CA and an http one nothing (the agent refuses plain HTTP)', () => {
    expect(agentArgv(host, { server: 'http://10.213.5.1:8080' })).not.toContain('--insecure-http');
    expect(agentArgv(host, { server: 'http://10.213.5.1:8080' })).not.toContain('--ca-file');
  });
});
