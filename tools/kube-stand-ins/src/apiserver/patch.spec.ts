import * as fc from 'fast-check';
import { applyJsonPatch, applyMergePatch, applyPatch, PatchError, patchTypeOf } from './patch';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, replaces arrays and deletes nulls', () => {
    const target = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2] } };
    expect(applyMergePatch(target, { metadata: { labels: { b: null, c: '3' } }, spec: { list: [3] } })).toEqual({ metadata: { labels: { a: '1', c: '3' } }, spec: { list: [3] } });
  });

  it('ignores strategic-merge directives', () => {
    expect(applyPatch('strategic', { a: 1 }, { $patch: 'merge', b: 2 })).toEqual({ a: 1, b: 2 });
  });

  it('does not change the target', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (target, patch) => {
        const copy = structuredClone(target);
        applyMergePatch(target, patch);
        expect(target).toEqual(copy);
      }),
    );
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { items: ['x', 'y'] } };
  it('applies add, replace, remove, move, copy and test', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'replace', path: '/metadata/labels/a', value: '9' },
      { op: 'add', path: '/spec/items/-', value: 'z' },
      { op: 'remove', path: '/spec/items/0' },
      { op: 'copy', from: '/metadata/labels/b', path: '/metadata/labels/c' },
      { op: 'move', from: '/metadata/labels/c', path: '/metadata/labels/d~1e' },
      { op: 'test', path: '/spec/items/0', value: 'y' },
    ]);
    expect(out).toEqual({ metadata: { labels: { a: '9', b: '2', 'd/e': '2' } }, spec: { items: ['y', 'z'] } });
    expect(doc.spec.items).toEqual(['x', 'y']);
  });

  it('fails a failed test with 422 and a bad path with 400', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/labels/a', value: 'no' }])).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/nope/x', value: 1 }])).toThrow(PatchError);
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(PatchError);
  });
});

describe('patchTypeOf', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/json', undefined],
  ])('%s', (ct, type) => expect(patchTypeOf(ct)).toBe(type));
});
