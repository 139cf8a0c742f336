import { ApiError } from './api-status';
import { prepareForCreate, prepareForUpdate } from './object-lifecycle';
import { findResource } from './resources';

const r = (name: string, group = '') => findResource(group, 'v1', name)!;
const now = new Date('2026-01-02T03:04:05.678Z');

describe('prepareForCreate', () => {
  it('sets identity fields, kind and apiVersion', () => {
    const cm = prepareForCreate(r('configmaps'), { metadata: { name: 'c', resourceVersion: '5' }, data: { a: 'b' } }, { namespace: 'ns', uid: 'u1', now });
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', uid: 'u1', creationTimestamp: '2026-01-02T03:04:05Z' }, data: { a: 'b' } });
  });

  it('defaults namespaces like upstream', () => {
    const ns = prepareForCreate(r('namespaces'), { metadata: { name: 'team' } }, { namespace: undefined, uid: 'u', now });
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
  });

  it('generates names from generateName', () => {
    const cm = prepareForCreate(r('configmaps'), { metadata: { generateName: 'web-' } }, { namespace: 'ns', uid: 'u', now, random: () => 0 });
    expect(cm.metadata?.name).toBe('web-bbbbb');
  });

  it('rejects invalid names and namespace mismatches', () => {
    expect(() => prepareForCreate(r('namespaces'), { metadata: { name: 'Bad_Name' } }, { namespace: undefined, uid: 'u', now })).toThrow(expect.objectContaining({ reason: 'Invalid' }));
    expect(() => prepareForCreate(r('configmaps'), { metadata: {} }, { namespace: 'ns', uid: 'u', now })).toThrow(ApiError);
    expect(() => prepareForCreate(r('configmaps'), { metadata: { name: 'a', namespace: 'other' } }, { namespace: 'ns', uid: 'u', now })).toThrow(/does not match the namespace/);
  });

  it('folds secret stringData into data', () => {
    const secret = prepareForCreate(r('secrets'), { metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: 'b' } }, { namespace: 'ns', uid: 'u', now });
    expect(secret.data).toEqual({ a: 'YQ==', b: 'Yg==' });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });

  it('starts ingresses at generation 1', () => {
    expect(prepareForCreate(r('ingresses', 'networking.k8s.io'), { metadata: { name: 'i' }, spec: {} }, { namespace: 'ns', uid: 'u', now }).metadata?.generation).toBe(1);
  });
});

describe('prepareForUpdate', () => {
  const old = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', uid: 'u1', creationTimestamp: 't0', resourceVersion: '7' }, spec: { unschedulable: false }, status: { phase: 'Ready' } };

  it('keeps identity fields from the stored object', () => {
    const next = prepareForUpdate(r('nodes'), old, { metadata: { name: 'n', uid: 'other', creationTimestamp: 'x' }, spec: { unschedulable: true } }, undefined);
    expect(next.metadata).toEqual({ name: 'n', uid: 'u1', creationTimestamp: 't0' });
  });

  it('ignores status on the main endpoint and spec on /status', () => {
    expect(prepareForUpdate(r('nodes'), old, { ...old, status: { phase: 'Gone' } }, undefined).status).toEqual({ phase: 'Ready' });
    const viaStatus = prepareForUpdate(r('nodes'), old, { ...old, spec: { unschedulable: true }, status: { phase: 'Gone' } }, 'status');
    expect(viaStatus.spec).toEqual({ unschedulable: false });
    expect(viaStatus.status).toEqual({ phase: 'Gone' });
  });

  it('bumps generation only when spec changes', () => {
    const ing = r('ingresses', 'networking.k8s.io');
    const stored = { metadata: { name: 'i', generation: 3 }, spec: { rules: [] } };
    expect(prepareForUpdate(ing, stored, { ...stored, metadata: { name: 'i', labels: { a: 'b' } } }, undefined).metadata?.generation).toBe(3);
    expect(prepareForUpdate(ing, stored, { ...stored, spec: { rules: [{ host: 'x' }] } }, undefined).metadata?.generation).toBe(4);
  });

  it('rejects renames', () => {
    expect(() => prepareForUpdate(r('nodes'), old, { metadata: { name: 'other' } }, undefined)).toThrow(/does not match the name/);
  });
});
