import fc from 'fast-check';
import { isLoopbackHost, normalizeSha256Fingerprint, serverUrlProblem } from './server-url-policy';

describe('serverUrlProblem', () => {
  it('takes https always, plain http only with --insecure-http on the loopback', () => {
    expect(serverUrlProblem(new URL('https://10.0.0.1:8443'), { insecureHttp: false })).toBeNull();
    expect(serverUrlProblem(new URL('http://127.0.0.1:8080'), { insecureHttp: true })).toBeNull();
    expect(serverUrlProblem(new URL('http://localhost:8080'), { insecureHttp: true })).toBeNull();
    expect(serverUrlProblem(new URL('http://127.0.0.1:8080'), { insecureHttp: false })).toMatch(/plain HTTP.*--insecure-http/);
    expect(serverUrlProblem(new URL('http://10.0.0.1:8080'), { insecureHttp: true })).toMatch(/loopback development only/);
    expect(serverUrlProblem(new URL('ftp://10.0.0.1'), { insecureHttp: true })).toMatch(/https:\/\//);
  });

  it('never lets plain http reach a non-loopback host', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.boolean(), (ip, insecureHttp) => {
        const problem = serverUrlProblem(new URL(`http://${ip}:8080`), { insecureHttp });
        expect(problem === null).toBe(insecureHttp && isLoopbackHost(ip));
      }),
    );
  });
});

describe('normalizeSha256Fingerprint', () => {
  it('accepts openssl and plain forms and refuses others', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeSha256Fingerprint(`sha256:${hex}`)).toBe(`sha256:${hex}`);
    expect(normalizeSha256Fingerprint(hex.toUpperCase().match(/../g)!.join(':'))).toBe(`sha256:${hex}`);
    expect(normalizeSha256Fingerprint('sha256:abc')).toBeNull();
    expect(normalizeSha256Fingerprint('')).toBeNull();
  });
});
