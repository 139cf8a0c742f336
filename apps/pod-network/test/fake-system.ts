import type { CommandResult, CommandRunner } from '../src/system/command';

/**
 * An in-memory stand-in for `ip route` and `iptables` as the daemon calls them, for unit specs:
 * the main table's routes and each table's chains, with the exit codes and messages of the real
 * tools. `calls` records every command line.
 */
export class FakeSystem {
  readonly calls: string[][] = [];
  routes: Array<{ dst: string; gateway: string | null; protocol: number; metric: number }> = [];
  readonly tables: Record<string, Map<string, string[]>> = {
    nat: new Map([['POSTROUTING', []], ['PREROUTING', []], ['OUTPUT', []], ['INPUT', []]]),
    filter: new Map([['FORWARD', []], ['INPUT', []], ['OUTPUT', []]]),
  };
  /** gateways `ip route replace` refuses, as with an off-link address */
  unreachable = new Set<string>();
  /** make the next command whose line contains the key fail with this result */
  failures = new Map<string, CommandResult>();

  readonly run: CommandRunner = async (argv) => {
    this.calls.push([...argv]);
    const line = argv.join(' ');
    for (const [key, result] of this.failures) {
      if (line.includes(key)) {
        this.failures.delete(key);
        return result;
      }
    }
    if (argv[0] === 'ip') return this.ip(argv.slice(1));
    if (argv[0]?.startsWith('iptables')) return this.iptables(argv.slice(1));
    return { code: null, stdout: '', stderr: `cannot run ${argv[0]}: ENOENT` };
  };

  chain(table: string, chain: string): string[] | undefined {
    return this.tables[table]!.get(chain);
  }

  private ip(args: readonly string[]): CommandResult {
    const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
    const value = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    if (args.includes('show')) {
      const protocol = Number(value('proto'));
      const shown = this.routes
        .filter((r) => r.protocol === protocol)
        .map((r) => ({ dst: r.dst.endsWith('/32') ? r.dst.slice(0, -3) : r.dst, ...(r.gateway ? { gateway: r.gateway } : {}), dev: 'eth0', protocol: String(r.protocol), ...(r.metric ? { metric: r.metric } : {}), flags: [] }));
      return ok(`${JSON.stringify(shown)}\n`);
    }
    const [, verb, dst] = args;
    const protocol = Number(value('proto') ?? 0);
    const metric = Number(value('metric') ?? 0);
    if (verb === 'replace') {
      const gateway = value('via')!;
      if (this.unreachable.has(gateway)) return { code: 2, stdout: '', stderr: 'Error: Nexthop has invalid gateway.\n' };
      this.routes = this.routes.filter((r) => !(r.dst === dst && r.metric === metric));
      this.routes.push({ dst: dst!, gateway, protocol, metric });
      return ok();
    }
    if (verb === 'del') {
      const i = this.routes.findIndex((r) => r.dst === dst && (!protocol || r.protocol === protocol) && (!value('metric') || r.metric === metric));
      if (i < 0) return { code: 2, stdout: '', stderr: 'RTNETLINK answers: No such process\n' };
      this.routes.splice(i, 1);
      return ok();
    }
    return { code: 1, stdout: '', stderr: `fake ip: unsupported ${args.join(' ')}` };
  }

  private iptables(args: readonly string[]): CommandResult {
    const rest = [...args];
    if (rest[0] === '-w') rest.splice(0, 2);
    if (rest[0] !== '-t') return { code: 2, stdout: '', stderr: 'fake iptables: -t first' };
    const table = this.tables[rest[1]!]!;
    const [op, chain, ...rule] = rest.slice(2);
    const ruleText = rule.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
    const noChain: CommandResult = { code: 1, stdout: '', stderr: 'iptables: No chain/target/match by that name.\n' };
    const rules = chain === undefined ? undefined : table.get(chain);
    const targetMissing = () => {
      const j = rule.indexOf('-j');
      const target = j >= 0 ? rule[j + 1]! : '';
      return /^[A-Z][A-Z-]+$/.test(target) && !['ACCEPT', 'DROP', 'RETURN', 'MASQUERADE'].includes(target) && !table.has(target);
    };
    switch (op) {
      case '-S': {
        if (chain === undefined) {
          const lines = [...table].flatMap(([name, rs]) => [name === name.toUpperCase() && ['POSTROUTING', 'PREROUTING', 'OUTPUT', 'INPUT', 'FORWARD'].includes(name) ? `-P ${name} ACCEPT` : `-N ${name}`, ...rs.map((r) => `-A ${name} ${r}`)]);
          return { code: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
        }
        if (!rules) return noChain;
        return { code: 0, stdout: `${[`-N ${chain}`, ...rules.map((r) => `-A ${chain} ${r}`)].join('\n')}\n`, stderr: '' };
      }
      case '-N':
        if (rules) return { code: 1, stdout: '', stderr: 'iptables: Chain already exists.\n' };
        table.set(chain!, []);
        return { code: 0, stdout: '', stderr: '' };
      case '-F':
        if (!rules) return noChain;
        rules.length = 0;
        return { code: 0, stdout: '', stderr: '' };
      case '-X':
        if (!rules) return noChain;
        if (rules.length > 0) return { code: 1, stdout: '', stderr: 'iptables: Directory not empty.\n' };
        if ([...table.values()].some((rs) => rs.some((r) => r.endsWith(`-j ${chain}`)))) return { code: 1, stdout: '', stderr: 'iptables: Too many links.\n' };
        table.delete(chain!);
        return { code: 0, stdout: '', stderr: '' };
      case '-A':
        if (!rules) return noChain;
        if (targetMissing()) return { code: 2, stdout: '', stderr: "iptables v1.8.9 (legacy): Couldn't load target" };
        rules.push(ruleText);
        return { code: 0, stdout: '', stderr: '' };
      case '-C':
        if (!rules) return noChain;
        if (targetMissing()) return { code: 2, stdout: '', stderr: "iptables v1.8.9 (legacy): Couldn't load target" };
        return rules.includes(ruleText) ? { code: 0, stdout: '', stderr: '' } : { code: 1, stdout: '', stderr: 'iptables: Bad rule (does a matching rule exist in that chain?).\n' };
      case '-D': {
        const i = rules?.indexOf(ruleText) ?? -1;
        if (i < 0) return { code: 1, stdout: '', stderr: 'iptables: Bad rule (does a matching rule exist in that chain?).\n' };
        rules!.splice(i, 1);
        return { code: 0, stdout: '', stderr: '' };
      }
      default:
        return { code: 2, stdout: '', stderr: `fake iptables: unsupported ${op}` };
    }
  }
}
