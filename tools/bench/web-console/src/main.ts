// Bench: the web console in Debian's Chromium against the real server (dist build).
// 1. First meaningful paint of the environment list with 500 environments (all on one page,
//    ?limit=500): navigation start until the frame that shows the 500 rows. Beside it, measured
//    in the same run with the same probe: the limit, the same 500-row table as static HTML (no
//    script, no API call) from a plain Node HTTP server, and a static empty page.
// 2. The detail page of a 3-host environment while 50 events/s stream in: frame intervals, long
//    tasks, and how long an event takes from its commit to the screen; the limit is the
//    display's frame interval (16.7 ms at 60 Hz).
// Usage: node dist/tools/bench/web-console/src/main.js [--environments 500] [--runs 5] [--rate 50] [--seconds 10]
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { median, percentile } from '@corral/bench';
import { launchChromium, startServerProcess, type ServerProcess } from '@corral/testing';
import { REPO } from '@corral/test-hosts';
import { FRAME_PROBE, paintProbe } from './paint-probe';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function createEnvironments(server: ServerProcess, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await server.request('POST', '/v1/environments', { name: `bench-${String(i).padStart(4, '0')}`, labels: { team: `t${i % 7}`, tier: i % 2 ? 'ci' : 'dev' }, ttl: `${1 + (i % 48)}h` });
        if (res.status !== 201) throw new Error(`create bench-${i}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
}

/** one cold page load (new context: no cache), answering window.__painted */
async function timePaint(browser: Browser, url: string, probe: string, key?: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (key) await context.addInitScript(`sessionStorage.setItem('corral.apiKey', ${JSON.stringify(key)})`);
  await context.addInitScript(probe);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction('window.__painted !== undefined', undefined, { timeout: 30_000 });
  const painted = (await page.evaluate('window.__painted')) as number;
  // where the time went: the document, the script and the API call (resource timing, ms after navigation start)
  const parts = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const end = (f) => { const r = res.find((e) => f(e.name)); return r ? r.responseEnd : null; };
    return { document: nav ? nav.responseEnd : null, script: end((n) => n.endsWith('.js')), api: end((n) => n.includes('/v1/')) };
  })()`)) as PaintParts;
  await context.close();
  lastParts = parts;
  return painted;
}

interface PaintParts {
  document: number | null;
  script: number | null;
  api: number | null;
}
let lastParts: PaintParts = { document: null, script: null, api: null };

/** serves a static page and the console's CSS: the limit side of the paint measurement */
async function staticServer(pages: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const assets = join(REPO, 'dist/web');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[path]);
      return;
    }
    try {
      const file = readFileSync(join(assets, normalize(path).replace(/^(\.\.[/\\])+/, '')));
      res.writeHead(200, { 'content-type': path.endsWith('.css') ? 'text/css' : 'application/octet-stream' }).end(file);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function listPaint(browser: Browser, server: ServerProcess, environments: number, runs: number): Promise<void> {
  const rows = 'table.env-list tbody tr';
  // the rendered list, scripts removed: what the console shows, as static HTML
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(`sessionStorage.setItem('corral.apiKey', ${JSON.stringify(server.adminKey)})`);
  const page = await context.newPage();
  await page.goto(`${server.url}/?limit=${environments}`);
  await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(rows)}).length >= ${environments}`, undefined, { timeout: 60_000 });
  const staticList = ((await page.evaluate('document.documentElement.outerHTML')) as string).replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');
  await context.close();
  const statics = await staticServer({ '/list': `<!doctype html>${staticList}`, '/empty': '<!doctype html><html lang="en"><head><title>empty</title></head><body><p>.</p></body></html>' });

  const consoleMs: number[] = [];
  const staticMs: number[] = [];
  const emptyMs: number[] = [];
  const parts: PaintParts[] = [];
  try {
    // one load of each first, not counted: the server's and the browser's first-use costs
    await timePaint(browser, `${server.url}/?limit=${environments}`, paintProbe(rows, environments), server.adminKey);
    await timePaint(browser, `${statics.url}/list`, paintProbe(rows, environments));
    for (let i = 0; i < runs; i++) {
      consoleMs.push(await timePaint(browser, `${server.url}/?limit=${environments}`, paintProbe(rows, environments), server.adminKey));
      parts.push(lastParts);
      staticMs.push(await timePaint(browser, `${statics.url}/list`, paintProbe(rows, environments)));
      emptyMs.push(await timePaint(browser, `${statics.url}/empty`, paintProbe('p', 1)));
    }
  } finally {
    await statics.close();
  }
  const [c, s, e] = [median(consoleMs), median(staticMs), median(emptyMs)];
  process.stdout.write(`\nenvironment list, ${environments} environments on one page, ${runs} loads each in fresh browser contexts after one warm-up (median, all runs):\n`);
  process.stdout.write(`  console (HTML + JS + GET /v1/environments + render):  ${ms(c)}   [${consoleMs.map(ms).join(', ')}]\n`);
  const part = (k: keyof PaintParts) => ms(median(parts.map((p) => p[k] ?? NaN)));
  process.stdout.write(`    of which, after navigation start: document received ${part('document')}, script received ${part('script')}, API answer received ${part('api')}\n`);
  process.stdout.write(`  limit: the same table as static HTML:                ${ms(s)}   [${staticMs.map(ms).join(', ')}]\n`);
  process.stdout.write(`  static empty page:                                   ${ms(e)}   [${emptyMs.map(ms).join(', ')}]\n`);
  process.stdout.write(`  ratio console / static table: ${(c / s).toFixed(2)}x; budget 1000 ms: ${c < 1000 ? 'met' : 'NOT met'}\n`);
}

async function detailUnderEvents(browser: Browser, server: ServerProcess, rate: number, seconds: number): Promise<void> {
  await server.request('POST', '/v1/environments', { name: 'busy', etcd: { members: 3 } });
  const token = (await server.request('POST', '/v1/environments/busy/registration-tokens', { maxUses: 3 })).body.token;
  // three hosts registered through the agent API (no agents): the page shows their desired components
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/v1/agent/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, hostname: `busy-${i}`, addresses: [`10.77.0.${i + 2}`] }) });
    if (res.status !== 201) throw new Error(`register busy-${i}: ${res.status}`);
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(`sessionStorage.setItem('corral.apiKey', ${JSON.stringify(server.adminKey)})`);
  await context.addInitScript(FRAME_PROBE);
  const page: Page = await context.newPage();
  await page.goto(`${server.url}/environments/busy`);
  await page.locator('.stream-live').waitFor({ timeout: 30_000 });
  await page.locator('.host').nth(2).waitFor({ timeout: 30_000 });
  await sleep(1000);
  await page.evaluate('window.__frames = []; window.__longTasks = []');

  // `rate` events per second through the public API (each label change is an Updated event)
  const lags: number[] = [];
  const start = Date.now();
  let sent = 0;
  let nextMarkerAt = start + 1000;
  const inFlight: Promise<unknown>[] = [];
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    while (sent < due) inFlight.push(server.request('PATCH', '/v1/environments/busy', { labels: { n: String(sent++) } }));
    // once a second, how long one change takes to reach the screen (answered, streamed, refreshed, painted)
    if (Date.now() >= nextMarkerAt) {
      nextMarkerAt += 1000;
      sent++;
      const t0 = Date.now();
      // a TTL change: its event message names the new expiry, so it is found on screen
      const expiresAt = (await server.request('PATCH', '/v1/environments/busy', { ttl: `${100 + lags.length}h` })).body.expiresAt as string;
      await page.waitForFunction(`[...document.querySelectorAll('.timeline li .message')].some((m) => m.textContent.includes(${JSON.stringify(expiresAt)}))`, undefined, { timeout: 10_000, polling: 'raf' });
      lags.push(Date.now() - t0);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  const frames = (await page.evaluate('window.__frames')) as number[];
  const longTasks = (await page.evaluate('window.__longTasks')) as number[];
  const shown = await page.locator('.timeline li').count();
  await context.close();
  const intervals = frames.slice(1).map((t, i) => t - frames[i]);
  process.stdout.write(`\ndetail page of a 3-host environment, ${rate} events/s for ${seconds} s (${sent} events sent, ${shown} kept on screen):\n`);
  process.stdout.write(`  frames: ${(frames.length / seconds).toFixed(0)}/s; interval median ${ms(median(intervals))}, p95 ${ms(percentile(intervals, 95))}, max ${ms(Math.max(...intervals))}\n`);
  process.stdout.write(`  long tasks (> 50 ms): ${longTasks.length}, ${ms(longTasks.reduce((a, b) => a + b, 0))} in all, longest ${ms(Math.max(0, ...longTasks))}\n`);
  process.stdout.write(`  a change -> its event on screen (PATCH answered, streamed, rendered): median ${ms(median(lags))}, max ${ms(Math.max(...lags))}\n`);
  process.stdout.write(`  limit: the display's frame interval, 16.7 ms; ratio p95 / limit ${(percentile(intervals, 95) / 16.7).toFixed(2)}x\n`);
}

async function main(): Promise<void> {
  const environments = flag('--environments', 500);
  const runs = flag('--runs', 5);
  const rate = flag('--rate', 50);
  const seconds = flag('--seconds', 10);
  process.stdout.write(`web-console: ${environments} environments, ${runs} runs; ${rate} events/s for ${seconds} s; on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}\n`);
  const server = await startServerProcess();
  const browser = await launchChromium();
  process.stdout.write(`Chromium ${browser.version()}\n`);
  try {
    await createEnvironments(server, environments);
    await listPaint(browser, server, environments, runs);
    await detailUnderEvents(browser, server, rate, seconds);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
