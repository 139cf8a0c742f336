import { compileSelector, matchesRequirements, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['app in (db, web)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['missing!=x', true],
    ['app=web,tier in (front,back),example.com/team=a', true],
    ['app=web,tier=back', false],
    ['', true],
  ])('%s -> %s', (text, expected) => {
    expect(matchesRequirements(parseLabelSelector(text), labels)).toBe(expected);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(SelectorError);
    expect(() => parseLabelSelector('a=b=c')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p1', namespace: 'ns' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  it('matches metadata and allowed fields', () => {
    const sel = compileSelector(undefined, 'metadata.name=p1,spec.nodeName=n1,status.phase!=Pending', ['spec.nodeName', 'status.phase']);
    expect(sel.matches(pod)).toBe(true);
    expect(compileSelector(undefined, 'metadata.name==p2', []).matches(pod)).toBe(false);
  });

  it('rejects unsupported field labels as upstream does', () => {
    expect(() => parseFieldSelector('spec.foo=bar', ['metadata.name'])).toThrow('field label not supported: spec.foo');
  });

  it('combines label and field selectors', () => {
    const sel = compileSelector('app=web', 'metadata.namespace=ns', []);
    expect(sel.matches({ metadata: { name: 'x', namespace: 'ns', labels: { app: 'web' } } })).toBe(true);
    expect(sel.matches({ metadata: { name: 'x', namespace: 'ns', labels: { app: 'db' } } })).toBe(false);
    expect(sel.empty).toBe(false);
    expect(compileSelector(undefined, undefined, []).empty).toBe(true);
  });
});
