import { Command, CommanderError, Option } from 'commander';
import type { CliContext, CliIo } from './cli-context';
import { CorralClient } from './client/corral-client';
import { configPath, readConfig, resolveConnection } from './config/cli-config';
import { EXIT, exitFor } from './exit-codes';
import { OUTPUT_FORMATS, resolveOutputFormat } from './output/output-format';
import { formatOutput } from './output/write-output';
import { DEFAULT_INTERRUPT_TTL, DEFAULT_WAIT_TIMEOUT } from './args/create-args';
import { login } from './commands/login';
import { envCreate } from './commands/env-create';
import { envList } from './commands/env-list';
import { envGet } from './commands/env-get';
import { envDelete } from './commands/env-delete';
import { envKubeconfig } from './commands/env-kubeconfig';
import { envExtend } from './commands/env-extend';
import { envRotateCa } from './commands/env-rotate-ca';
import { hostList } from './commands/host-list';
import { tokenCreate } from './commands/token-create';
import { poolList } from './commands/pool-list';
import { imageDelete, imageImport, imageList } from './commands/image';

const EXIT_HELP = `
Exit codes:
  0    done (with --wait: the environment is ready)
  1    failed: the environment failed (the failing condition and its last log lines are shown),
       not found, conflict, server or network error
  2    timed out (--wait --timeout)
  3    usage or authentication error
  130  interrupted (Ctrl-C)

Environment: CORRAL_URL (server), CORRAL_TOKEN (API key), CORRAL_CA_FILE (server CA), CORRAL_INSECURE_HTTP, CORRAL_CONFIG (config file).
`;

/** Runs one `corral` command line and returns its exit code; never calls process.exit. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('corral')
    .description('Corral: Kubernetes environments for people and pipelines')
    .option('--server <url>', 'Corral server URL (default: CORRAL_URL, then the config file)')
    .option('--ca-file <file>', "the server's CA certificate (PEM) to trust (default: CORRAL_CA_FILE, then the config file, then the system's CAs)")
    .option('--insecure-http', 'accept a plain http:// server on the loopback (development only: the API key crosses unencrypted)')
    .addOption(new Option('-o, --output <format>', 'table, json or yaml (default: table on a terminal, json otherwise)').choices(OUTPUT_FORMATS))
    .option('--config <file>', 'config file (default: CORRAL_CONFIG, then ~/.config/corral/config.json)')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const globals = () => program.opts<{ server?: string; output?: string; config?: string; caFile?: string; insecureHttp?: boolean }>();
  let client: CorralClient | null = null;
  const ctx: CliContext = {
    io,
    now: () => Date.now(),
    configFile: () => globals().config ?? configPath(io.env, io.home),
    serverFlag: () => globals().server,
    transportFlags: () => ({ server: globals().server, caFile: globals().caFile, insecureHttp: globals().insecureHttp }),
    client: () => (client ??= new CorralClient(resolveConnection(ctx.transportFlags(), io.env, readConfig(ctx.configFile())))),
    format: () => resolveOutputFormat(globals().output, io.stdout.isTTY),
    print: (value, table) => io.stdout.write(formatOutput(ctx.format(), value, table)),
  };
  const run = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => async (...args: A) => {
    code = await fn(...args);
  };

  program
    .command('login')
    .description('check an API key against the server and store both (mode 0600)')
    .option('--token <key>', 'API key (default: CORRAL_TOKEN, else stdin or a prompt)')
    .action(run((flags: { token?: string }) => login(ctx, flags)));

  const env = program.command('env').description('environments (Kubernetes clusters)');
  env
    .command('create')
    .description('create an environment; with --wait, until it is active')
    .argument('<name>', 'DNS-1123 label, e.g. ci-1234')
    .option('--version <version>', 'Kubernetes version, e.g. v1.36')
    .option('--pool <pool>', 'claim idle hosts of this pool')
    .option('--hosts <count>', 'how many pool hosts (default: the etcd member count)')
    .option('--host-selector <selector>', 'only pool hosts whose labels match, e.g. zone=a')
    .option('--wait-for-hosts', 'when too few pool hosts are idle, wait for them instead of failing')
    .option('--etcd-members <n>', '1, 3 or 5')
    .option('--ttl <duration>', 'delete the environment this long after creation, e.g. 30m, 2h')
    .option('--label <k=v>', 'label (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--wait', 'wait until it is active, showing progress')
    .option('--timeout <duration>', `how long --wait waits (default ${DEFAULT_WAIT_TIMEOUT})`)
    .option('--kubeconfig <file>', 'write its kubeconfig there once active (implies --wait)')
    .option('--merge', 'merge its kubeconfig into ~/.kube/config as context corral-<name> (implies --wait)')
    .option('--delete-on-interrupt', 'on Ctrl-C during --wait, delete it instead of leaving it to its TTL')
    .option('--interrupt-ttl <duration>', `on Ctrl-C during --wait, the TTL an environment created without --ttl gets (default ${DEFAULT_INTERRUPT_TTL})`)
    .option('--idempotency-key <key>', 'makes retrying the same create safe (default: a new random key)')
    .action(run((name: string, flags) => envCreate(ctx, name, flags)));
  env
    .command('list')
    .description('list environments')
    .option('--selector <selector>', 'label selector, e.g. team=platform')
    .option('--state <state>', 'only environments in this state')
    .action(run((flags) => envList(ctx, flags)));
  env.command('get').description('show one environment').argument('<name>').action(run((name: string) => envGet(ctx, name)));
  env
    .command('delete')
    .description('delete an environment (its hosts return to their pool)')
    .argument('<name>')
    .option('--wait', 'wait until it is gone')
    .option('--timeout <duration>', 'how long --wait waits (default 5m)')
    .option('--ignore-not-found', 'exit 0 when it does not exist')
    .action(run((name: string, flags) => envDelete(ctx, name, flags)));
  env
    .command('kubeconfig')
    .description('a kubeconfig for it, through the Corral server (a token of your key), to stdout unless --kubeconfig or --merge')
    .argument('<name>')
    .option('--kubeconfig <file>', 'write it to this file (mode 0600)')
    .option('--direct', 'one kube-apiserver with the cluster-admin certificate instead (needs a write key; stops working when that host is lost)')
    .option('--ttl <duration>', 'how long its token is valid, e.g. 8h, 30d (default 30d)')
    .option('--merge', 'merge it into ~/.kube/config (or the first KUBECONFIG entry) as context corral-<name>')
    .action(run((name: string, flags) => envKubeconfig(ctx, name, flags)));
  env
    .command('extend')
    .description('set a new time to live, counted from now')
    .argument('<name>')
    .requiredOption('--ttl <duration>', 'e.g. 1h')
    .action(run((name: string, flags: { ttl: string }) => envExtend(ctx, name, flags)));
  env
    .command('rotate-ca')
    .description('rotate its cluster CA: trust-both, reissue, drop-old; old client certificates (kubeconfigs) stop working at the end')
    .argument('<name>')
    .option('--wait', 'wait until the rotation completed, showing its phases')
    .option('--timeout <duration>', 'how long --wait waits (default 30m)')
    .option('--status', 'show the rotation in progress, else the last one, instead of starting one')
    .option('--cancel', 'cancel a rotation still in trust-both')
    .action(run((name: string, flags) => envRotateCa(ctx, name, flags)));

  program
    .command('host')
    .description('hosts')
    .command('list')
    .description('list hosts')
    .option('--pool <pool>', 'hosts of this pool')
    .option('--env <environment>', 'hosts of this environment')
    .action(run((flags) => hostList(ctx, flags)));
  program
    .command('token')
    .description('registration tokens for agents')
    .command('create')
    .description('a token agents register with, into a pool or an environment (shown once)')
    .option('--pool <pool>', 'hosts registering with it join this pool')
    .option('--env <environment>', 'hosts registering with it join this environment')
    .option('--ttl <duration>', 'how long it is valid (default 24h)')
    .option('--max-uses <n>', 'how many hosts may register with it (default 1 for --env, unlimited for --pool)')
    .option('--roles <roles>', 'comma-separated roles its hosts may take (etcd,controlplane,worker); default any')
    .action(run((flags) => tokenCreate(ctx, flags)));
  program.command('pool').description('host pools').command('list').description('list pools with idle and claimed hosts').action(run(() => poolList(ctx)));
  const image = program.command('image').description('OCI image archives every host running containerd imports (no registry needed)');
  image
    .command('import')
    .description('upload an OCI image layout tar (one image, named by its io.containerd.image.name annotation); the same name with other content replaces it')
    .argument('<file>', 'e.g. busybox_1.35.0.tar')
    .action(run((file: string) => imageImport(ctx, file)));
  image.command('list').description('list stored images').action(run(() => imageList(ctx)));
  image
    .command('delete')
    .description('delete an image (hosts that imported it keep it; the pinned pause image cannot be deleted)')
    .argument('<image>', 'id or name')
    .option('--ignore-not-found', 'exit 0 when it does not exist')
    .action(run((ref: string, flags: { ignoreNotFound?: boolean }) => imageDelete(ctx, ref, flags)));

  try {
    if (!argv.length) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its message already
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { code: exitCode, message } = exitFor(err);
    io.stderr.write(`corral: ${message}\n`);
    return exitCode;
  }
}
