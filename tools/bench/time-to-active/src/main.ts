// Bench: time from POST /v1/environments to `active`, and (real binaries) to a 3-replica
// Deployment Available, for 1-host and 3-host environments, each beside the physical limit
// measured in the same run, on the real binaries (Kubernetes, etcd and containerd built from
// source by tools/kube-build, Corral's images by tools/images, on node hosts from tools/hosts;
// needs root).
// Usage: node dist/tools/bench/time-to-active/src/main.js [--runs N] [--hosts 1,3] [--stand-ins] [--keep]
//   --stand-ins  the old mode: stand-ins (tools/kube-stand-ins) on loopback agents, no root needed
//   --hosts 1,3  which scenarios (default both)
//   --keep       keep every run's host files and logs (paths printed)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildCorralImages } from '@corral/images';
import { type LimitMilestone, type PhysicalLimitResult, measurePhysicalLimit, measureRealPhysicalLimit, median } from '@corral/bench';
import { startServerProcess } from '@corral/testing';
import { kubeBinDir, readKubeBinManifest } from '@corral/kube-build';
import { type CorralMilestone, type CorralRunResult, type Scenario, corralRun } from './corral-run';
import { DEPLOYMENT_MILESTONE, STEP_ACCEPTED, STEP_CIDRS, STEP_IMAGES, STEP_KUBECONFIG, corralDeploymentMilestone, limitDeploymentMilestone } from './deployment';
import { KIND_ORDER, byKind, criticalPath, describePath, limitSpans, medianOf, secs, type ComponentSpan } from './timeline';

const SCENARIOS: Scenario[] = [
  { hosts: 1, etcd: 1 },
  { hosts: 3, etcd: 3 },
];
/** the goal of issue 9 */
const GOAL_RATIO = 1.3;

/**
 * Milestones besides `active`, measured in the same runs on both sides, from the same start:
 * with the real binaries, "a 3-replica Deployment Available" (see deployment.ts); none with the
 * stand-ins (they run no pods).
 */
interface Milestones {
  corral: CorralMilestone[];
  limit: LimitMilestone[];
}

interface ScenarioResult {
  scenario: Scenario;
  corral: CorralRunResult[];
  limit: PhysicalLimitResult[];
}

function flag(name: string): boolean {
  return process.argv.includes(name);
}
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 3);
  const standIns = flag('--stand-ins');
  const keepFiles = flag('--keep');
  const only = option('--hosts')?.split(',').map(Number);
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.hosts));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  if (!standIns && process.getuid?.() !== 0) throw new Error('the real-binaries mode needs root (node hosts); --stand-ins runs without');

  const upstream = standIns ? undefined : kubeBinDir();
  const software = upstream
    ? (() => {
        const m = readKubeBinManifest(upstream);
        return `real binaries: Kubernetes ${m.kubernetes}, etcd ${m.etcd}, containerd ${m.containerd} (${upstream}); node hosts (tools/hosts)`;
      })()
    : 'stand-ins (tools/kube-stand-ins) on loopback agents';
  process.stdout.write(
    `time-to-active: ${runs} run(s) per scenario on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n` +
      `${software}\nload average at the start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`,
  );

  // real mode: Corral's images (pause, busybox) built once; the server imports them at start
  // (CORRAL_IMAGE_DIR) and its agents into their hosts' containerd, the limit by hand
  const imageDir = upstream ? mkdtempSync(join(os.tmpdir(), 'corral-tta-images-')) : undefined;
  const images = imageDir ? buildCorralImages({ outDir: imageDir }).images : [];
  const MILESTONES: Milestones = upstream ? { corral: [corralDeploymentMilestone], limit: [limitDeploymentMilestone(images.map((i) => i.path))] } : { corral: [], limit: [] };
  if (imageDir) process.stdout.write(`images (tools/images, in ${imageDir}): ${images.map((i) => `${i.name} ${Math.round(i.size / 1024)} KiB`).join(', ')}\n\n`);
  // real mode: agents on the hosts reach the server over each harness's bridge
  const server = await startServerProcess(standIns ? {} : { CORRAL_BIND_ADDRESS: '0.0.0.0', CORRAL_IMAGE_DIR: imageDir! });
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      const result: ScenarioResult = { scenario, corral: [], limit: [] };
      results.push(result);
      for (let run = 0; run < runs; run++) {
        const label = `tta-${scenario.hosts}h-${run + 1}`;
        const corral = () => corralRun(server, scenario, label, { upstreamBinDir: upstream, milestones: MILESTONES.corral, keepFiles });
        const limit = () =>
          upstream
            ? measureRealPhysicalLimit({ hostCount: scenario.hosts, etcdMembers: scenario.etcd, upstreamBinDir: upstream, milestones: MILESTONES.limit, keepFiles })
            : measurePhysicalLimit(scenario.hosts, scenario.etcd);
        // both sides in turn, first one then the other, so a busy spell of the shared machine hits both alike
        let c: CorralRunResult;
        let l: PhysicalLimitResult;
        if (run % 2 === 0) {
          c = await corral();
          l = await limit();
        } else {
          l = await limit();
          c = await corral();
        }
        result.corral.push(c);
        result.limit.push(l);
        const extra = MILESTONES.corral.map(({ name: k }) => `; POST -> ${k} ${secs(c.milestones[k])} s, limit ${secs(l.milestones[k])} s, ratio ${ratio(c.milestones[k], l.milestones[k])}`).join('');
        process.stdout.write(
          `  ${scenario.hosts} host(s), ${scenario.etcd} etcd, run ${run + 1}: POST -> active ${secs(c.activeMs)} s, physical limit ${secs(l.totalMs)} s, ratio ${(c.activeMs / l.totalMs).toFixed(2)}x${extra}  (load ${os.loadavg()[0]!.toFixed(2)}; CPU s: Corral ${cpuLine(c.cpuMs)}, limit ${cpuLine(l.cpuMs)})\n`,
        );
        process.stdout.write(`      Corral: ${describePath(criticalPath(c.components))} | active ${secs(c.activeMs)}\n`);
        process.stdout.write(`      limit:  ${describePath(criticalPath(limitSpans(l.components)))}\n`);
        if (MILESTONES.corral.length) process.stdout.write(`      ${deploymentSteps(c, l)}\n`);
        for (const [side, failed] of [['Corral', c.failedMilestones], ['limit', l.failedMilestones]] as const) {
          for (const [k, why] of Object.entries(failed)) process.stdout.write(`      ${side}: ${k} FAILED (left out of the medians): ${why}\n`);
        }
      }
    }
  } finally {
    await server.stop();
    if (imageDir) rmSync(imageDir, { recursive: true, force: true });
  }

  const unconfirmed = results.flatMap((r) => r.corral).filter((c) => c.deletion() === false).length;
  if (unconfirmed) process.stdout.write(`\n(${unconfirmed} environment deletion(s) not confirmed within 10 s; their hosts were torn down anyway)\n`);
  process.stdout.write(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);
  printSummary(results, runs, software, MILESTONES);
  for (const r of results) printStages(r, MILESTONES);
}

const ratio = (c: number | undefined, l: number | undefined) => (c !== undefined && l !== undefined ? `${(c / l).toFixed(2)}x` : '-');

/** the Deployment's way, one run: Corral's steps after the POST, the limit's after t0 */
function deploymentSteps(c: { milestones: Record<string, number>; events: Map<string, number> }, l: { milestones: Record<string, number> }): string {
  const at = secs;
  return (
    `Deployment: Corral kubeconfig ${at(c.milestones[STEP_KUBECONFIG])}, images imported (last ImageImported event) ${at(c.events.get('ImageImported (last)'))}, accepted ${at(c.milestones[STEP_ACCEPTED])}, available ${at(c.milestones[DEPLOYMENT_MILESTONE])}` +
    ` | limit images imported ${at(l.milestones[STEP_IMAGES])}, pod CIDRs written ${at(l.milestones[STEP_CIDRS])}, accepted ${at(l.milestones[STEP_ACCEPTED])}, available ${at(l.milestones[DEPLOYMENT_MILESTONE])}`
  );
}

function cpuLine(cpu: Record<string, number>): string {
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return Object.keys(cpu).length ? `${secs(total)} (${Object.entries(cpu).map(([k, v]) => `${k.split(' ')[0]} ${secs(v)}`).join(', ')})` : '-';
}

function printSummary(results: ScenarioResult[], runs: number, software: string, milestones: Milestones): void {
  const milestoneNames = milestones.corral.map((m) => m.name);
  const head = ['environment', `POST → active (median of ${runs})`, `physical limit (median of ${runs})`, 'ratio', `goal ≤ ${GOAL_RATIO}x`, ...milestoneNames.flatMap((m) => [`POST → ${m} (median of ${runs})`, `physical limit`, 'ratio'])];
  const rows = results.map(({ scenario, corral, limit }) => {
    const t = median(corral.map((c) => c.activeMs));
    const l = median(limit.map((x) => x.totalMs));
    const more = milestoneNames.flatMap((m) => {
      const cs = corral.map((c) => c.milestones[m]).filter((v): v is number => v !== undefined);
      const ls = limit.map((x) => x.milestones[m]).filter((v): v is number => v !== undefined);
      const of = (n: number) => (n < runs ? ` (${n} of ${runs} runs)` : '');
      const cm = medianOf(cs);
      const lm = medianOf(ls);
      return [`${secs(cm)} s${of(cs.length)}`, `${secs(lm)} s${of(ls.length)}`, ratio(cm, lm)];
    });
    return [`${scenario.hosts} host(s), ${scenario.etcd} etcd member(s)`, `${secs(t)} s`, `${secs(l)} s`, `${(t / l).toFixed(2)}x`, t / l <= GOAL_RATIO ? 'met' : 'not met', ...more];
  });
  process.stdout.write(`${software}\n\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
}

/** Per kind, medians over the runs: when the last one started and was healthy, on both sides; and the critical path of the median run. */
function printStages({ scenario, corral, limit }: ScenarioResult, milestones: Milestones): void {
  const corralKinds = corral.map((c) => byKind(c.components));
  const limitKinds = limit.map((l) => byKind(limitSpans(l.components)));
  const kinds = KIND_ORDER.filter((k) => limitKinds.some((m) => m.has(k)) || corralKinds.some((m) => m.has(k)));
  const m = (maps: Map<string, { startedMs?: number; healthyMs?: number }>[], kind: string, f: 'startedMs' | 'healthyMs') => medianOf(maps.map((x) => x.get(kind)?.[f]));
  const d = (maps: Map<string, { startedMs?: number; healthyMs?: number }>[], kind: string) =>
    medianOf(maps.map((x) => (x.get(kind)?.healthyMs ?? NaN) - (x.get(kind)?.startedMs ?? NaN)));
  process.stdout.write(
    `\n${scenario.hosts} host(s), ${scenario.etcd} etcd: the last component of each kind, medians in seconds (Corral: after the POST, from the environment's events, i.e. when the server heard; limit: after the first start)\n\n` +
      `| component | Corral started | Corral healthy | Corral start → healthy | limit started | limit healthy | limit start → healthy |\n|---|---|---|---|---|---|---|\n`,
  );
  for (const kind of kinds) {
    process.stdout.write(`| ${kind} | ${secs(m(corralKinds, kind, 'startedMs'))} | ${secs(m(corralKinds, kind, 'healthyMs'))} | ${secs(d(corralKinds, kind))} | ${secs(m(limitKinds, kind, 'startedMs'))} | ${secs(m(limitKinds, kind, 'healthyMs'))} | ${secs(d(limitKinds, kind))} |\n`);
  }
  const ev = (name: string) => medianOf(corral.map((c) => c.events.get(name)));
  // the ingress controller needs its RBAC: the server applies it once an apiserver is healthy, the limit at once
  const firstApi = (spans: ComponentSpan[]) => Math.min(...spans.filter((x) => x.kind === 'kube-apiserver' && x.healthyMs !== undefined).map((x) => x.healthyMs!));
  const corralObjects = medianOf(corral.map((c) => c.events.get('ClusterObjectsApplied')));
  const limitObjects = medianOf(limit.map((l) => l.milestones['cluster objects applied']));
  const corralAfterApi = medianOf(corral.map((c) => (c.events.get('ClusterObjectsApplied') ?? NaN) - firstApi(c.components)));
  const limitAfterApi = medianOf(limit.map((l) => l.milestones['cluster objects applied']! - firstApi(limitSpans(l.components))));
  process.stdout.write(`| Corral's cluster objects (RBAC) applied | | ${secs(corralObjects)} | first apiserver healthy + ${secs(corralAfterApi)} | | ${secs(limitObjects)} | first apiserver healthy + ${secs(limitAfterApi)} |\n`);
  const seen = medianOf(corral.map((c) => Math.max(...[...c.events.entries()].filter(([k]) => k.startsWith('desired state seen on')).map(([, v]) => v))));
  const firstSeen = medianOf(corral.map((c) => Math.min(...[...c.events.entries()].filter(([k]) => k.startsWith('desired state seen on')).map(([, v]) => v))));
  const lastHealthy = medianOf(corral.map((c) => Math.max(...c.components.map((s) => s.healthyMs ?? -Infinity))));
  process.stdout.write(
    `\nCorral milestones (medians, s after the POST): last host registered ${secs(ev('HostRegistered (last)'))}, certificates issued ${secs(ev('CertificatesIssued'))}, ` +
      `desired state written ${secs(ev('DesiredStateChanged'))}–${secs(ev('DesiredStateChanged (last)'))}, first report of it from an agent ${secs(firstSeen)} (last host ${secs(seen)}), ` +
      `last component healthy ${secs(lastHealthy)}, StateActive event ${secs(ev('StateActive'))}, client saw active ${secs(median(corral.map((c) => c.activeMs)))}\n`,
  );
  if (milestones.corral.length) {
    const cm = (k: string) => secs(medianOf(corral.map((c) => c.milestones[k])));
    const lm = (k: string) => secs(medianOf(limit.map((l) => l.milestones[k])));
    process.stdout.write(
      `Deployment (medians, s): Corral after the POST: kubeconfig from the API ${cm(STEP_KUBECONFIG)}, images imported on the last host (ImageImported) ${secs(ev('ImageImported (last)'))}, ` +
        `Deployment accepted ${cm(STEP_ACCEPTED)}, available ${cm(DEPLOYMENT_MILESTONE)}; limit after t0: images imported on the last host ${lm(STEP_IMAGES)}, Node pod CIDRs written ${lm(STEP_CIDRS)}, ` +
        `Deployment accepted ${lm(STEP_ACCEPTED)}, available ${lm(DEPLOYMENT_MILESTONE)}\n`,
    );
  }
  const cpu = (items: Record<string, number>[]) => {
    const keys = [...new Set(items.flatMap((x) => Object.keys(x)))];
    if (!keys.length) return '-';
    const parts = keys.map((k) => `${k} ${secs(medianOf(items.map((x) => x[k])))}`);
    return `${parts.join(', ')} (total ${secs(medianOf(items.map((x) => Object.values(x).reduce((a, b) => a + b, 0))))})`;
  };
  process.stdout.write(`CPU seconds used, medians: Corral POST → active: ${cpu(corral.map((c) => c.cpuMs))}; limit t0 → last healthy: ${cpu(limit.map((l) => l.cpuMs))}\n`);
  const medianRun = <T>(items: T[], total: (x: T) => number) => [...items].sort((a, b) => total(a) - total(b))[Math.floor((items.length - 1) / 2)]!;
  const cm = medianRun(corral, (c) => c.activeMs);
  const lm = medianRun(limit, (l) => l.totalMs);
  const cPath = criticalPath(cm.components);
  const lPath = criticalPath(limitSpans(lm.components));
  process.stdout.write(`critical path, median Corral run (active ${secs(cm.activeMs)}): ${describePath(cPath)}\n`);
  process.stdout.write(`critical path, median limit run (${secs(lm.totalMs)}): ${describePath(lPath)}\n`);
  const dominant = (path: ComponentSpan[], total: number) => {
    const longest = path.reduce<ComponentSpan | undefined>((a, b) => ((b.healthyMs ?? 0) - (b.startedMs ?? 0) > (a ? (a.healthyMs ?? 0) - (a.startedMs ?? 0) : -1) ? b : a), undefined);
    if (!longest || longest.healthyMs === undefined || longest.startedMs === undefined) return '-';
    const ms = longest.healthyMs - longest.startedMs;
    return `${longest.kind} start → healthy ${secs(ms)} s of ${secs(total)} s (${Math.round((100 * ms) / total)}%)`;
  };
  process.stdout.write(`dominant stage: Corral ${dominant(cPath, cm.activeMs)}; limit ${dominant(lPath, lm.totalMs)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
