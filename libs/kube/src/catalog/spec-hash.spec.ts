import type { ComponentSpec } from '@corral/contracts';
import fc from 'fast-check';
import { canonicalJson, specHash, toDesiredComponent } from './spec-hash';

const arbSpec: fc.Arbitrary<ComponentSpec> = fc.record(
  {
    name: fc.string({ minLength: 1 }),
    kind: fc.constantFrom('etcd', 'kube-apiserver', 'kubelet'),
    binary: fc.string({ minLength: 1 }),
    args: fc.array(fc.string(), { minLength: 1, maxLength: 8 }),
    env: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
    files: fc.array(fc.record({ path: fc.string(), content: fc.string(), mode: fc.constantFrom(0o600, 0o644) }), {
      maxLength: 3,
    }),
    ports: fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 }),
    probe: fc.record({
      type: fc.constantFrom('http' as const, 'https' as const),
      port: fc.integer({ min: 1, max: 65535 }),
      path: fc.string(),
      intervalSeconds: fc.nat(),
      timeoutSeconds: fc.nat(),
      failureThreshold: fc.nat(),
    }),
    dependsOn: fc.array(fc.string(), { maxLength: 2 }),
  },
  { requiredKeys: ['name', 'kind', 'binary', 'args', 'files', 'ports'] },
);

/** Rebuilds every object with its keys in a random order (seeded by the arbitrary). */
function shuffleKeys(value: unknown, order: number[]): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, order));
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const shuffled = keys
      .map((key, index) => ({ key, rank: order[index % Math.max(order.length, 1)] ?? index }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ key }) => key);
    return Object.fromEntries(shuffled.map((key) => [key, shuffleKeys((value as Record<string, unknown>)[key], order)]));
  }
  return value;
}

describe('specHash', () => {
  it('is a sha256 hex digest', () => {
    expect(specHash({ name: 'a', kind: 'etcd', binary: 'etcd', args: [], files: [], ports: [] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(arbSpec, fc.array(fc.integer(), { minLength: 1, maxLength: 12 }), (spec, order) => {
        const reordered = shuffleKeys(spec, order) as ComponentSpec;
        expect(canonicalJson(reordered)).toBe(canonicalJson(spec));
        expect(specHash(reordered)).toBe(specHash(spec));
      }),
    );
  });

  it('changes when any argument changes', () => {
    fc.assert(
      fc.property(arbSpec, fc.nat(), fc.string(), (spec, at, replacement) => {
        const index = at % spec.args.length;
        fc.pre(spec.args[index] !== replacement);
        const args = [...spec.args];
        args[index] = replacement;
        expect(specHash({ ...spec, args })).not.toBe(specHash(spec));
      }),
    );
  });

  it('changes when arguments are reordered, a file changes or a probe changes', () => {
    fc.assert(
      fc.property(arbSpec, (spec) => {
        const hash = specHash(spec);
        if (spec.args.length > 1 && spec.args[0] !== spec.args[1]) {
          expect(specHash({ ...spec, args: [spec.args[1]!, spec.args[0]!, ...spec.args.slice(2)] })).not.toBe(hash);
        }
        expect(specHash({ ...spec, files: [...spec.files, { path: 'x', content: '', mode: 0o600 }] })).not.toBe(hash);
        if (spec.probe) expect(specHash({ ...spec, probe: { ...spec.probe, port: (spec.probe.port ?? 0) + 1 } })).not.toBe(hash);
      }),
    );
  });

  it('ignores undefined members, as the JSON sent to the agent does', () => {
    const spec: ComponentSpec = { name: 'a', kind: 'etcd', binary: 'etcd', args: ['--x=1'], files: [], ports: [] };
    expect(specHash({ ...spec, dependsOn: undefined })).toBe(specHash(spec));
    expect(specHash(JSON.parse(JSON.stringify(spec)))).toBe(specHash(spec));
  });

  it('wraps a spec as the desired component the agent receives', () => {
    const spec: ComponentSpec = { name: 'kubelet', kind: 'kubelet', binary: 'kubelet', args: [], files: [], ports: [] };
    expect(toDesiredComponent(spec)).toEqual({ name: 'kubelet', kind: 'kubelet', specHash: specHash(spec), spec });
  });
});
