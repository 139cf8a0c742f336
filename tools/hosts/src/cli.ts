#!/usr/bin/env node
// Manual use of the multi-host harness:
//   node dist/tools/hosts/src/cli.js up [--count N] [--nodes] [--keep-files]   create hosts, print them, hold until Ctrl-C
//   node dist/tools/hosts/src/cli.js sweep                          remove leftovers of dead runs
//   node dist/tools/hosts/src/cli.js list                           show runs recorded in /tmp/corral-hosts
import { HostHarness } from './host-harness';
import { DEFAULT_STATE_ROOT, isOwnerAlive, readRunStates } from './run-state';
import { sweep } from './teardown';

const USAGE = 'usage: cli.js up [--count N] [--nodes] [--keep-files] | sweep | list';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'sweep': {
      const result = sweep(DEFAULT_STATE_ROOT);
      console.log(JSON.stringify(result, null, 2));
      return result.failed.length > 0 ? 1 : 0;
    }
    case 'list': {
      const runs = readRunStates(DEFAULT_STATE_ROOT).map((s) => ({ ...s, ownerAlive: isOwnerAlive(s) }));
      console.log(JSON.stringify(runs, null, 2));
      return 0;
    }
    case 'up':
      return up(rest);
    default:
      console.error(USAGE);
      return 2;
  }
}

async function up(args: string[]): Promise<number> {
  let count = 1;
  let keepFiles = false;
  let nodes = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--count') count = Number(args[++i]);
    else if (args[i] === '--keep-files') keepFiles = true;
    else if (args[i] === '--nodes') nodes = true;
    else {
      console.error(USAGE);
      return 2;
    }
  }
  if (!Number.isInteger(count) || count < 1) {
    console.error('--count must be a positive integer');
    return 2;
  }
  const harness = await HostHarness.create({ count, keepFiles, nodes });
  console.log(
    JSON.stringify(
      { id: harness.id, subnet: harness.subnet, serverAddress: harness.serverAddress, bridge: harness.bridge, hosts: harness.hosts },
      null,
      2,
    ),
  );
  console.error(
    nodes
      ? `node hosts are up; run commands with: nsenter --net=… --mount=… --uts=… --cgroup=… -- sh -c 'for d in /sys/fs/cgroup/*; do [ -L "$d" ] || echo $$ > "$d/cgroup.procs"; done; exec "$@"' - <command> (paths in hosts[].node.namespaces). Ctrl-C to remove them.`
      : `hosts are up; run commands with: ip netns exec <namespace> <command>. Ctrl-C to remove them.`,
  );
  // signal listeners alone do not keep Node running
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await harness.destroy();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
