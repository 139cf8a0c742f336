import fc from 'fast-check';
import { HOST_ROLES, type HostRole } from '@corral/contracts';
import { grantHostRoles } from './grant-host-roles';

const roles = fc.subarray([...HOST_ROLES] as HostRole[]);

describe('grantHostRoles', () => {
  it('grants what a host asks when the token binds nothing', () => {
    expect(grantHostRoles(['worker', 'etcd'], null)).toEqual({ granted: ['etcd', 'worker'] });
    expect(grantHostRoles([], null)).toEqual({ granted: [] });
  });

  it("gives a host asking for nothing (any role) exactly the token's roles", () => {
    expect(grantHostRoles([], ['worker'])).toEqual({ granted: ['worker'] });
  });

  it('refuses, naming them, the roles the token does not allow', () => {
    expect(grantHostRoles(['etcd', 'worker'], ['worker'])).toEqual({ refused: ['etcd'] });
    expect(grantHostRoles(['controlplane'], [])).toEqual({ refused: ['controlplane'] });
  });

  it('never grants a role outside a bound token, nor fewer roles than asked', () => {
    fc.assert(
      fc.property(roles, fc.option(roles, { nil: null }), (asked, allowed) => {
        const grant = grantHostRoles(asked, allowed);
        if ('granted' in grant) {
          if (allowed) expect(grant.granted.every((r) => allowed.includes(r))).toBe(true);
          if (asked.length) expect([...grant.granted].sort()).toEqual([...new Set(asked)].sort());
        } else {
          expect(grant.refused.length).toBeGreaterThan(0);
          expect(grant.refused.every((r) => asked.includes(r) && !allowed!.includes(r))).toBe(true);
        }
      }),
    );
  });
});
