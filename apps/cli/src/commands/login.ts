import { CorralClient } from '../client/corral-client';
import { resolve } from 'node:path';
import { normalizeServer, readConfig, resolveTransport, writeConfig } from '../config/cli-config';
import { EXIT, UsageError } from '../exit-codes';
import type { CliContext } from '../cli-context';

/** `corral login --server URL [--token KEY]`: checks the key against the server, then stores both (0600). */
export async function login(ctx: CliContext, flags: { token?: string }): Promise<number> {
  const server = ctx.serverFlag() ?? ctx.io.env.CORRAL_URL ?? readConfig(ctx.configFile()).server;
  if (!server) throw new UsageError('corral login needs --server URL (or CORRAL_URL)');
  let token = flags.token ?? ctx.io.env.CORRAL_TOKEN;
  if (!token) token = ctx.io.stdout.isTTY || ctx.io.stderr.isTTY ? await ctx.io.promptSecret('API key: ') : (await ctx.io.readStdin()).split('\n')[0];
  token = token?.trim();
  if (!token) throw new UsageError('no API key given: pass --token, set CORRAL_TOKEN, or type it when asked');
  const stored = readConfig(ctx.configFile());
  const transport = resolveTransport(ctx.transportFlags(), ctx.io.env, stored);
  const caFile = transport.caFile ? resolve(transport.caFile) : null;
  const connection = { server: normalizeServer(server, transport.insecureHttp), token, caFile };
  // a wrong key is a 401 here (exit 3), an untrusted certificate a usage error, before anything is written
  await new CorralClient(connection).listEnvironments();
  writeConfig(ctx.configFile(), {
    server: connection.server,
    token,
    ...(caFile ? { caFile } : {}),
    ...(transport.insecureHttp ? { insecureHttp: true } : {}),
  });
  ctx.io.stderr.write(`logged in to ${connection.server}; key stored in ${ctx.configFile()} (mode 0600)\n`);
  ctx.print({ server: connection.server, configFile: ctx.configFile() }, () => '');
  return EXIT.ok;
}
