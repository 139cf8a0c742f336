import { CommandError, describeFailure, runChecked, type CommandRunner } from '../system/command';
import { chainIsExact, countChainRules, type ChainSpec } from './pod-network-rules';

/** seconds to wait for the xtables lock (kube-proxy holds it while it restores its rules) */
const LOCK_WAIT_SECONDS = '5';
/** iptables -C: "Bad rule (does a matching rule exist in that chain?)" */
const RULE_MISSING = 1;
/** more jumps than this to our chain means something keeps adding them: stop deleting */
const MAX_JUMPS = 100;

/** Our chains through the iptables command (`iptables`, `iptables-legacy` or `iptables-nft`). */
export class Iptables {
  constructor(
    private readonly run: CommandRunner,
    private readonly command = 'iptables',
  ) {}

  /**
   * Makes the chain hold exactly its rules (flushed and rebuilt when it does not) and the jump
   * to it exist (appended once). Returns what it changed, for the log.
   */
  async ensure(spec: ChainSpec): Promise<string[]> {
    const { table, chain, rules } = spec;
    const where = `${table}/${chain}`;
    const changes: string[] = [];
    const listing = await this.run(this.argv(table, '-S', chain));
    let rebuild: boolean;
    if (listing.code !== 0) {
      const created = await this.run(this.argv(table, '-N', chain));
      if (created.code !== 0) {
        // both failed: say why the listing failed too (it is the first thing that went wrong)
        throw new Error(`${describeFailure(this.argv(table, '-S', chain), listing)}; then ${describeFailure(this.argv(table, '-N', chain), created)}`);
      }
      changes.push(`created chain ${where}`);
      rebuild = true;
    } else {
      const count = countChainRules(listing.stdout, chain);
      const present: boolean[] = [];
      if (count === rules.length) {
        for (const rule of rules) present.push(await this.check(table, chain, rule));
      }
      rebuild = !chainIsExact(count, present);
      if (rebuild) {
        await runChecked(this.run, this.argv(table, '-F', chain));
        changes.push(`rebuilt chain ${where} (it held ${count} rule(s), not exactly its ${rules.length})`);
      }
    }
    if (rebuild) {
      for (const rule of rules) await runChecked(this.run, this.argv(table, '-A', chain, ...rule));
    }
    if (!(await this.check(table, spec.from, spec.jump))) {
      await runChecked(this.run, this.argv(table, '-A', spec.from, ...spec.jump));
      changes.push(`added jump ${table}/${spec.from} -> ${chain}`);
    }
    return changes;
  }

  /** Removes the jumps to the chain and the chain itself; returns what it removed. */
  async remove(spec: ChainSpec): Promise<string[]> {
    const { table, chain } = spec;
    const listing = await runChecked(this.run, this.argv(table, '-S'));
    // a jump needs its target chain, so without the chain there is nothing of ours in the table
    if (!listing.split('\n').some((line) => line.trim() === `-N ${chain}`)) return [];
    const removed: string[] = [];
    for (let i = 0; i < MAX_JUMPS && (await this.check(table, spec.from, spec.jump)); i++) {
      await runChecked(this.run, this.argv(table, '-D', spec.from, ...spec.jump));
      removed.push(`jump ${table}/${spec.from} -> ${chain}`);
    }
    await runChecked(this.run, this.argv(table, '-F', chain));
    await runChecked(this.run, this.argv(table, '-X', chain));
    removed.push(`chain ${table}/${chain}`);
    return removed;
  }

  /** iptables -C: true when the rule exists, false when not; throws on any other failure. */
  private async check(table: string, chain: string, rule: readonly string[]): Promise<boolean> {
    const argv = this.argv(table, '-C', chain, ...rule);
    const result = await this.run(argv);
    if (result.code === 0) return true;
    if (result.code === RULE_MISSING) return false;
    throw new CommandError(argv, result);
  }

  private argv(table: string, ...rest: string[]): string[] {
    return [this.command, '-w', LOCK_WAIT_SECONDS, '-t', table, ...rest];
  }
}
