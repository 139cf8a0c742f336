import { tlsCertificates } from './tls-certificates';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (crt: string, key: string) => ({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64(crt), 'tls.key': b64(key) } });

describe('tlsCertificates', () => {
  it('writes one PEM per Secret with its hosts as SNI filters, the oldest first, and skips what is missing', () => {
    const secrets: Record<string, ReturnType<typeof secret>> = { 'shop/a': secret('CERT-A\n', 'KEY-A\n'), 'shop/b': secret('CERT-B', 'KEY-B') };
    const out = tlsCertificates(
      [
        { namespace: 'shop', secret: 'a', hosts: ['app.example'] },
        { namespace: 'shop', secret: 'b', hosts: [] },
        { namespace: 'shop', secret: 'a', hosts: ['www.example'] },
        { namespace: 'shop', secret: 'gone', hosts: ['x.example'] },
      ],
      (ns, name) => secrets[`${ns}/${name}`],
      '/run/lb/certs',
    );
    expect(out.crtList).toBe('/run/lb/certs/shop_a.pem app.example www.example\n/run/lb/certs/shop_b.pem\n');
    expect(out.files.get('shop_a.pem')).toBe('CERT-A\nKEY-A\n');
    expect(out.skipped).toEqual(['secret shop/gone: not found']);
  });
});
