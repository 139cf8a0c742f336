import { parse } from 'yaml';
import type { EnvironmentResource } from '@corral/contracts';
import { renderFields, renderTable } from './table';
import { resolveOutputFormat } from './output-format';
import { formatOutput } from './write-output';
import { environmentDetail, environmentsTable, poolsTable } from './resources';
import { age, until } from './relative-time';
import { UsageError } from '../exit-codes';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const env = (over: Partial<EnvironmentResource> = {}): EnvironmentResource => ({
  id: '0b7b1a4e-6a57-4c4a-9a4f-3d1b8f0e0001',
  name: 'ci-1',
  kubernetesVersion: 'v1.32',
  state: 'active',
  stateReason: null,
  conditions: [{ type: 'Ready', status: 'True', reason: 'AllComponentsHealthy', message: 'every component is healthy', lastTransitionTime: '2026-01-01T11:59:00Z' }],
  labels: { team: 'platform' },
  networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' },
  etcd: { members: 1 },
  hosts: { pool: 'ci', count: 1, labelSelector: null, waitForHosts: false },
  ttlSeconds: 1800,
  expiresAt: '2026-01-01T12:29:00Z',
  certificatesExpireAt: null,
  generation: 1,
  observedGeneration: 1,
  createdAt: '2026-01-01T11:58:30Z',
  updatedAt: '2026-01-01T11:59:00Z',
  ...over,
});

describe('output', () => {
  it('defaults to a table on a terminal and JSON elsewhere; refuses unknown formats', () => {
    expect(resolveOutputFormat(undefined, true)).toBe('table');
    expect(resolveOutputFormat(undefined, false)).toBe('json');
    expect(resolveOutputFormat('yaml', true)).toBe('yaml');
    expect(() => resolveOutputFormat('xml', true)).toThrow(UsageError);
  });

  it('pads table columns to the widest cell, three spaces apart, without trailing spaces', () => {
    expect(renderTable(['name', 'state'], [['a', 'active'], ['longer-name', '']])).toBe('NAME          STATE\na             active\nlonger-name\n');
    expect(renderTable(['x'], [['line\nbreak']])).toBe('X\nline break\n');
    expect(renderTable(['x'], [['y'.repeat(100)]], 10)).toBe(`X\n${'y'.repeat(9)}…\n`);
  });

  it('aligns fields', () => {
    expect(renderFields([['Name', 'a'], ['State', 'b']])).toBe('Name:   a\nState:  b\n');
  });

  it('tells ages and expiries the way kubectl does', () => {
    expect(age('2026-01-01T11:59:15Z', NOW)).toBe('45s');
    expect(age('2026-01-01T11:00:00Z', NOW)).toBe('60m');
    expect(age('2025-12-29T12:00:00Z', NOW)).toBe('3d');
    expect(until('2026-01-01T12:29:00Z', NOW)).toBe('in 29m');
    expect(until('2026-01-01T11:58:00Z', NOW)).toBe('2m ago');
    expect(until(null, NOW)).toBe('-');
  });

  it('lists environments as a table', () => {
    expect(environmentsTable([env(), env({ name: 'dev', state: 'provisioning', conditions: [], hosts: null, expiresAt: null })], NOW)).toBe(
      [
        'NAME   STATE          READY   VERSION   HOSTS       EXPIRES   AGE',
        'ci-1   active         True    v1.32     1 from ci   in 29m    90s',
        'dev    provisioning   -       v1.32     -           -         90s',
        '',
      ].join('\n'),
    );
  });

  it('shows one environment with its conditions and how a wait ended', () => {
    const text = environmentDetail({ ...env(), wait: { for: 'active', result: 'reached', waitedMs: 9200 } }, NOW);
    expect(text).toContain('State:         active\n');
    expect(text).toContain('Wait:          reached for active after 9.2s\n');
    expect(text).toContain('Conditions:\n  TYPE    STATUS   REASON                 MESSAGE\n  Ready   True     AllComponentsHealthy   every component is healthy\n');
  });

  it('prints the wire object itself as JSON or YAML, so fields stay stable', () => {
    const value = env();
    expect(JSON.parse(formatOutput('json', value, () => 'table'))).toEqual(value);
    expect(parse(formatOutput('yaml', value, () => 'table'))).toEqual(value);
    expect(formatOutput('table', value, () => 'the table\n')).toBe('the table\n');
  });

  it('lists pools with their idle and claimed hosts', () => {
    expect(poolsTable([{ name: 'ci', hosts: { total: 10, idle: 7, claimed: 3, unavailable: 0 }, waitingEnvironments: 1 }])).toBe(
      'POOL   HOSTS   IDLE   CLAIMED   UNAVAILABLE   WAITING\nci     10      7      3         0             1\n',
    );
  });
});
