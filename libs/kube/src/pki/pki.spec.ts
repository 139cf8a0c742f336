import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import type { ComponentKind } from '@corral/contracts';
import {
  CertificateIssuer,
  createEnvironmentCas,
  firstServiceIp,
  issueAdminCertificate,
  issueHostPki,
  listCaCertificates,
  reconcileHostPki,
  type HostPkiRequest,
  listHostCertificates,
  soonestNotAfter,
  type CertificatePem,
  type EnvironmentCas,
  type HostPki,
} from './index';

// Checked with Node's OpenSSL-backed X509Certificate, independent of the library that wrote them.
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ALL_KINDS: ComponentKind[] = [
  'etcd',
  'kube-apiserver',
  'kube-scheduler',
  'kube-controller-manager',
  'kubelet',
  'kube-proxy',
  'ingress-controller',
  'cluster-dns',
];
const DAY = 86_400_000;

function parse(cert: CertificatePem): X509Certificate {
  return new X509Certificate(cert.certPem);
}
function sans(cert: CertificatePem): string[] {
  return (parse(cert).subjectAltName ?? '').split(', ').filter(Boolean);
}
function expectSignedBy(leaf: CertificatePem, ca: CertificatePem): void {
  const x = parse(leaf);
  const caCert = parse(ca);
  expect(x.checkIssued(caCert)).toBe(true);
  expect(x.verify(caCert.publicKey)).toBe(true);
  expect(x.ca).toBe(false);
}
function expectKeyMatches(cert: CertificatePem): void {
  const data = Buffer.from('corral');
  const signature = createSign('sha256').update(data).sign(createPrivateKey(cert.keyPem));
  expect(createVerify('sha256').update(data).verify(parse(cert).publicKey, signature)).toBe(true);
}

describe('PKI', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  let cas: EnvironmentCas;
  let issuer: CertificateIssuer;
  let pki: HostPki;
  const host = { hostname: 'node-a', address: '127.0.0.2' };

  beforeAll(async () => {
    cas = await createEnvironmentCas('ci', now);
    issuer = await CertificateIssuer.load(cas);
    pki = await issueHostPki(
      issuer,
      {
        host,
        kinds: ALL_KINDS,
        apiServer: {
          controlPlaneAddresses: ['127.0.0.2', '127.0.0.3'],
          serviceCidr: '10.43.0.0/16',
          clusterDomain: 'cluster.local',
          extraSans: ['lb.example.test', '192.0.2.10'],
        },
      },
      now,
    );
  });

  it('creates three distinct self-signed CAs valid for ten years, and a service-account key pair', () => {
    const certs = [cas.clusterCa, cas.etcdCa, cas.frontProxyCa].map(parse);
    expect(new Set(certs.map((c) => c.fingerprint256)).size).toBe(3);
    for (const ca of certs) {
      expect(ca.ca).toBe(true);
      expect(ca.verify(ca.publicKey)).toBe(true);
      expect(Date.parse(ca.validTo) - now.getTime()).toBeGreaterThan(3649 * DAY);
      expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
    expect(parse(cas.clusterCa).subject).toBe('CN=ci-ca');
    for (const pem of [cas.clusterCa.certPem, cas.clusterCa.keyPem, cas.serviceAccount.publicKeyPem, cas.serviceAccount.privateKeyPem]) {
      expect(pem).toMatch(/^-----BEGIN [A-Z ]+-----\n[\s\S]+\n-----END [A-Z ]+-----\n$/);
    }
    const sa = createPublicKey(cas.serviceAccount.publicKeyPem);
    const saPrivate = createPrivateKey(cas.serviceAccount.privateKeyPem);
    expect(createPublicKey(saPrivate).export({ format: 'jwk' })).toEqual(sa.export({ format: 'jwk' }));
  });

  it('signs every host certificate with the right CA, a matching key and one year of validity', () => {
    const expectedCa: Record<string, CertificatePem> = {
      etcd: cas.etcdCa,
      'kube-apiserver/etcdClient': cas.etcdCa,
      'kube-apiserver/frontProxyClient': cas.frontProxyCa,
    };
    const all = listHostCertificates(pki);
    expect(all).toHaveLength(16);
    for (const { name, certificate } of all) {
      const ca = expectedCa[name] ?? expectedCa[name.split('/')[0]!] ?? cas.clusterCa;
      expectSignedBy(certificate, ca);
      expectKeyMatches(certificate);
      const validTo = Date.parse(parse(certificate).validTo);
      expect(validTo).toBe(Date.parse(certificate.notAfter));
      expect(validTo - now.getTime()).toBe(365 * DAY);
      expect(Date.parse(parse(certificate).validFrom)).toBeLessThan(now.getTime());
    }
    expect(new Set(all.map(({ certificate }) => parse(certificate).serialNumber)).size).toBe(all.length);
  });

  it('gives the apiserver serving cert every SAN a client may dial', () => {
    const apiserver = pki['kube-apiserver']!.serving;
    expect(sans(apiserver).sort()).toEqual(
      [
        'DNS:node-a',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
        'DNS:localhost',
        'DNS:lb.example.test',
        'IP Address:127.0.0.2',
        'IP Address:127.0.0.3',
        'IP Address:127.0.0.1',
        'IP Address:10.43.0.1',
        'IP Address:192.0.2.10',
      ].sort(),
    );
    expect(parse(apiserver).checkIP('10.43.0.1')).toBe('10.43.0.1');
    expect(parse(apiserver).checkHost('kubernetes.default.svc.cluster.local')).toBeDefined();
  });

  it('gives etcd server and peer certs the host address, loopback and names, for both usages', () => {
    for (const cert of [pki.etcd!.server, pki.etcd!.peer]) {
      expect(sans(cert).sort()).toEqual(
        ['DNS:node-a', 'DNS:localhost', 'IP Address:127.0.0.2', 'IP Address:127.0.0.1'].sort(),
      );
      expect(parse(cert).keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    }
    expect(pki.etcd!.server.keyPem).not.toBe(pki.etcd!.peer.keyPem);
  });

  it('issues a short-lived admin certificate when asked, and refuses a lifetime beyond a leaf\'s', async () => {
    const shortLived = await issueAdminCertificate(issuer, now, 1);
    expect(Date.parse(parse(shortLived).validTo) - now.getTime()).toBe(DAY);
    expectSignedBy(shortLived, cas.clusterCa);
    const twoHours = await issueAdminCertificate(issuer, now, 2 / 24);
    expect(Date.parse(twoHours.notAfter) - now.getTime()).toBe(2 * 3600 * 1000);
    await expect(issueAdminCertificate(issuer, now, 366)).rejects.toThrow(/validity must be more than 0 and at most 365 days/);
    await expect(issueAdminCertificate(issuer, now, 0)).rejects.toThrow(RangeError);
  });

  it('uses the subjects RBAC and the Node authorizer expect, with client or server usage', async () => {
    const admin = await issueAdminCertificate(issuer, now);
    const cases: Array<[CertificatePem, string, string[]]> = [
      [admin, 'O=system:masters\nCN=kubernetes-admin', [CLIENT_AUTH]],
      [pki['kube-scheduler']!.client, 'CN=system:kube-scheduler', [CLIENT_AUTH]],
      [pki['kube-controller-manager']!.client, 'CN=system:kube-controller-manager', [CLIENT_AUTH]],
      [pki.kubelet!.client, 'O=system:nodes\nCN=system:node:node-a', [CLIENT_AUTH]],
      [pki.kubelet!.serving, 'O=system:nodes\nCN=system:node:node-a', [SERVER_AUTH]],
      [pki['kube-proxy']!.client, 'CN=system:kube-proxy', [CLIENT_AUTH]],
      [pki['ingress-controller']!.client, 'CN=corral:ingress-controller', [CLIENT_AUTH]],
      [pki['cluster-dns']!.client, 'CN=corral:cluster-dns', [CLIENT_AUTH]],
      [pki['kube-apiserver']!.kubeletClient, 'O=system:masters\nCN=kube-apiserver-kubelet-client', [CLIENT_AUTH]],
      [pki['kube-apiserver']!.etcdClient, 'CN=kube-apiserver-etcd-client', [CLIENT_AUTH]],
      [pki['kube-apiserver']!.frontProxyClient, 'CN=front-proxy-client', [CLIENT_AUTH]],
      [pki['kube-apiserver']!.serving, 'CN=kube-apiserver', [SERVER_AUTH]],
      [pki.etcd!.healthcheckClient, 'CN=kube-etcd-healthcheck-client', [CLIENT_AUTH]],
    ];
    for (const [cert, subject, usages] of cases) {
      expect(parse(cert).subject).toBe(subject);
      expect(parse(cert).keyUsage).toEqual(usages);
    }
    expect(sans(pki.kubelet!.serving).sort()).toEqual(['DNS:node-a', 'IP Address:127.0.0.2']);
    expect(sans(pki['kube-scheduler']!.serving)).toContain('IP Address:127.0.0.2');
  });

  it('issues only the certificates of the components placed on the host', async () => {
    const workerOnly = await issueHostPki(
      issuer,
      {
        host,
        kinds: ['kubelet', 'kube-proxy'],
        apiServer: { controlPlaneAddresses: [], serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' },
      },
      now,
    );
    expect(Object.keys(workerOnly).sort()).toEqual(['kube-proxy', 'kubelet']);
  });

  it('rejects a SAN that is not an IP address in the IP list', async () => {
    await expect(
      issuer.issue({ ca: 'cluster', commonName: 'x', usages: ['server'], ipAddresses: ['not-an-ip'] }),
    ).rejects.toThrow(/not an IP address/);
  });

  it('reports the soonest expiry', () => {
    const all = [...listHostCertificates(pki), ...listCaCertificates(cas)].map((c) => c.certificate);
    expect(soonestNotAfter(all)).toBe(pki.etcd!.server.notAfter);
    expect(soonestNotAfter([{ notAfter: '2030-01-01T00:00:00.000Z' }, { notAfter: '2029-01-01T00:00:00.000Z' }])).toBe(
      '2029-01-01T00:00:00.000Z',
    );
    expect(soonestNotAfter([])).toBeNull();
  });

  it.each([
    ['10.43.0.0/16', '10.43.0.1'],
    ['10.96.0.0/12', '10.96.0.1'],
    ['192.168.7.128/25', '192.168.7.129'],
    ['10.43.5.7/16', '10.43.0.1'],
  ])('first service IP of %s is %s', (cidr, ip) => {
    expect(firstServiceIp(cidr)).toBe(ip);
  });

  it('rejects a malformed service CIDR', () => {
    expect(() => firstServiceIp('10.43.0.0')).toThrow();
    expect(() => firstServiceIp('300.1.1.1/16')).toThrow();
  });

  it('links each certificate to its CA by key identifiers', async () => {
    const leaf = new x509.X509Certificate(pki.kubelet!.client.certPem);
    const ca = new x509.X509Certificate(cas.clusterCa.certPem);
    const ski = leaf.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(ski).toBe((await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey)).keyId);
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(
      ca.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
    );
  });

  describe('reconcileHostPki', () => {
    const request: HostPkiRequest = {
      host,
      kinds: ['kube-apiserver', 'kubelet'],
      apiServer: { controlPlaneAddresses: ['127.0.0.2'], serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' },
    };

    it('keeps certificates that still fit and issues nothing', async () => {
      const first = await reconcileHostPki(issuer, undefined, request, { now });
      expect(first.issued).toHaveLength(6);
      const again = await reconcileHostPki(issuer, first.pki, request, { now });
      expect(again.issued).toEqual([]);
      expect(again.pki).toEqual(first.pki);
    });

    it('reissues only the apiserver serving cert when the control-plane addresses change', async () => {
      const first = await reconcileHostPki(issuer, undefined, request, { now });
      const grown = { ...request, apiServer: { ...request.apiServer, controlPlaneAddresses: ['127.0.0.2', '127.0.0.9'] } };
      const next = await reconcileHostPki(issuer, first.pki, grown, { now });
      expect(next.issued).toEqual(['kube-apiserver/serving']);
      expect(sans(next.pki['kube-apiserver']!.serving)).toContain('IP Address:127.0.0.9');
      expect(next.pki.kubelet).toEqual(first.pki.kubelet);
    });

    it('renews certificates close to expiry, drops kinds no longer placed and replaces foreign ones', async () => {
      const first = await reconcileHostPki(issuer, undefined, request, { now });
      const later = new Date(now.getTime() + 340 * DAY);
      expect((await reconcileHostPki(issuer, first.pki, request, { now: later })).issued).toHaveLength(6);
      expect((await reconcileHostPki(issuer, first.pki, request, { now: later, renewBeforeDays: 10 })).issued).toEqual([]);

      const fewer = await reconcileHostPki(issuer, first.pki, { ...request, kinds: ['kubelet'] }, { now });
      expect(Object.keys(fewer.pki)).toEqual(['kubelet']);

      const otherIssuer = await CertificateIssuer.load(await createEnvironmentCas('other', now));
      const foreign = await reconcileHostPki(otherIssuer, undefined, request, { now });
      expect((await reconcileHostPki(issuer, foreign.pki, request, { now })).issued).toHaveLength(6);
    });

    it('reissues a renamed host', async () => {
      const first = await reconcileHostPki(issuer, undefined, request, { now });
      const renamed = { ...request, host: { ...host, hostname: 'node-z' } };
      const next = await reconcileHostPki(issuer, first.pki, renamed, { now });
      expect(next.issued).toEqual(['kube-apiserver/serving', 'kubelet/client', 'kubelet/serving']);
    });
  });
});
