import { connect } from 'node:net';

/**
 * Stand-in for `ctr [--address A] [--timeout D] version | plugins ls` (test infrastructure):
 * answers when the containerd socket accepts a connection, as the real ctr does when containerd
 * answers (`plugins ls` lists the CRI plugin as ok). Any other command is refused.
 */
const argv = process.argv.slice(2);
let address = '/run/containerd/containerd.sock';
const rest: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  const [name, inline] = arg.split(/=(.*)/s, 2);
  if (name === '--address' || name === '-a') address = inline ?? argv[++i] ?? '';
  else if (name === '--timeout' || name === '--connect-timeout' || name === '--namespace' || name === '-n') {
    if (inline === undefined) i++;
  } else rest.push(arg);
}
const command = rest.join(' ');
const ANSWERS: Record<string, string> = {
  version: `Client:\n  Version:  stand-in\n\nServer:\n  Version:  stand-in\n`,
  'plugins ls': `TYPE                     ID     PLATFORMS    STATUS\nio.containerd.grpc.v1    cri    -            ok\n`,
};
if (!(command in ANSWERS)) {
  process.stderr.write(`ctr (stand-in): only "version" and "plugins ls" are supported, got "${command}"\n`);
  process.exit(1);
}
const socket = connect(address);
socket.setTimeout(2000, () => {
  process.stderr.write(`ctr: failed to dial "${address}": timeout\n`);
  process.exit(1);
});
socket.once('connect', () => {
  process.stdout.write(ANSWERS[command]!);
  socket.destroy();
  process.exit(0);
});
socket.once('error', (e) => {
  process.stderr.write(`ctr: failed to dial "${address}": ${e.message}\n`);
  process.exit(1);
});
