import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DEFAULT_KUBE_VERSION, runStandIn } from '../common/run-stand-in';
import { loadOrCreateServingCert } from '../common/self-signed-cert';
import { KUBE_APISERVER_FLAGS } from '../common/upstream-flags';
import { ApiServer } from './apiserver';

function firstNonLoopbackAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

const read = (path: string) => (path ? readFileSync(path, 'utf8') : undefined);

void runStandIn('kube-apiserver', KUBE_APISERVER_FLAGS, process.argv.slice(2), process.env.KUBE_STAND_IN_VERSION ?? DEFAULT_KUBE_VERSION, async ({ flags, log, version }) => {
  const bindAddress = flags.str('bind-address');
  const advertise = flags.str('advertise-address') || (bindAddress !== '0.0.0.0' && bindAddress !== '::' ? bindAddress : firstNonLoopbackAddress());
  const serving = await loadOrCreateServingCert({
    certFile: flags.str('tls-cert-file'),
    keyFile: flags.str('tls-private-key-file'),
    certDir: flags.str('cert-dir'),
    name: 'apiserver',
    host: advertise,
  });
  const servers = flags.list('etcd-servers');
  for (const s of servers) {
    const u = URL.canParse(s) ? new URL(s) : undefined;
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new Error(`--etcd-servers: invalid URL ${s}`);
  }
  if (!isIP(advertise)) throw new Error(`--advertise-address: invalid IP ${advertise}`);
  const server = new ApiServer({
    bindAddress,
    securePort: flags.int('secure-port'),
    advertiseAddress: advertise,
    serving,
    clientCa: read(flags.str('client-ca-file')),
    anonymousAuth: flags.bool('anonymous-auth'),
    authorizationModes: flags.list('authorization-mode'),
    etcd: {
      servers,
      ca: read(flags.str('etcd-cafile')),
      cert: read(flags.str('etcd-certfile')),
      key: read(flags.str('etcd-keyfile')),
      prefix: flags.str('etcd-prefix'),
      healthcheckTimeoutMs: flags.ms('etcd-healthcheck-timeout'),
    },
    minRequestTimeoutSeconds: flags.int('min-request-timeout'),
    gitVersion: version,
    log,
  });
  await server.start();
  return server;
});
