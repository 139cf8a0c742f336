import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLoopbackAgents as startLocalAgents, testTlsPaths } from '@corral/test-hosts';
import { kubeBinDir } from '@corral/kube-build';
import { apiClient, eventually, isolatedInProcessConfig, launchChromium, startInProcessServer, type InProcessServer } from '@corral/testing';
import { accessibilityViolations, assertConsoleBuilt, overflowing, recordTexts, screenshot, whenShown } from './support/console-page';

jest.setTimeout(300_000);

const ENV = 'web-demo';
/** the bound: a change shows up on screen within this long of its event (the page's clock, see whenShown) */
const LIVE_MS = 2000;

/**
 * The web console in Debian's Chromium against a real server, PostgreSQL, Redis and a loopback
 * agent with the stand-in Kubernetes binaries: what a person does, end to end.
 */
describe('web console in a browser (real server, loopback agent, stand-ins)', () => {
  let server: InProcessServer;
  let admin: ReturnType<typeof apiClient>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agents: ReturnType<typeof startLocalAgents> | undefined;
  let hostId: string;
  let kubeconfig: string;
  // asynchronously: the server (and its Kubernetes API proxy, which the kubeconfig names) runs in this process
  const kubectl = async (...args: string[]) =>
    (await promisify(execFile)(join(kubeBinDir({ build: false }), 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 30_000 })).stdout;

  beforeAll(async () => {
    assertConsoleBuilt();
    server = await startInProcessServer(await isolatedInProcessConfig({ CORRAL_SWEEP_INTERVAL: '300ms', CORRAL_HOST_DISCONNECTED_AFTER: '3s', CORRAL_HOST_LOST_AFTER: '6s' }));
    admin = apiClient(server.url, server.adminKey);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, timezoneId: 'UTC' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    if (agents) {
      for (const a of agents.agents) a.process.kill('SIGCONT');
      await agents.stopAll();
      agents.cleanup();
    }
    await server?.close();
  });

  const badge = () => page.locator('#env-title .badge');
  const eventAt = async (reason: string, after = 0) =>
    eventually(async () => (await admin.get(`/v1/environments/${ENV}/events`)).body.items.find((e: any) => e.reason === reason && Number(e.id) > after), { what: `event ${reason}` });

  it('refuses a bad API key with a clear message, and stays on the login form', async () => {
    await page.goto(server.url);
    await page.getByLabel('API key').fill('crl_ak_not-a-real-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectText(page.getByRole('alert'), 'The server refused this API key: API key is not valid');
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('logs in; the create form shows the API own validation messages beside their fields', async () => {
    await page.getByLabel('API key').fill(server.adminKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    // the key is kept for the tab's session only
    expect(await page.evaluate('sessionStorage.getItem("corral.apiKey")')).toBe(server.adminKey);
    expect(await page.evaluate('localStorage.length')).toBe(0);

    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.getByLabel('Name').fill('Bad_Name');
    await page.getByLabel('Time to live').fill('soon');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const api = await admin.post('/v1/environments', { name: 'Bad_Name', etcd: { members: 1 }, labels: {}, ttl: 'soon' });
    expect(api.status).toBe(400);
    expect(api.body.details.map((d: any) => d.field).sort()).toEqual(['name', 'ttl']);
    for (const d of api.body.details) await expectText(page.locator(`#env-${d.field === 'ttl' ? 'ttl' : 'name'}-error`), `${d.field}: ${d.message}`);
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('creates an environment, shows the registration command, and watches it go provisioning -> active', async () => {
    await page.getByLabel('Name').fill(ENV);
    await page.getByLabel('Time to live').fill('2h');
    await page.getByLabel('Labels').fill('team=web, tier=demo');
    const states = await recordTexts(page, '#env-title .badge');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(`**/environments/${ENV}`);
    // no host yet: provisioning waits for one
    await expectText(badge(), 'provisioning');

    await page.getByRole('button', { name: 'New host registration command' }).click();
    const token = await page.locator('#copy-token').inputValue();
    expect(token).toMatch(/\S{20,}/);
    expect(await page.locator('#copy-command').inputValue()).toBe(`corral-agent --server ${server.url} --token ${token} --ca-fingerprint ${testCaFingerprint()}`);

    agents = startLocalAgents(1, { server: server.url, token });
    await badge().filter({ hasText: 'active' }).waitFor({ timeout: 120_000 });
    await page.locator('.host[data-host="node-1"]').waitFor();
    hostId = (await admin.get(`/v1/hosts?environment=${ENV}`)).body.items[0].id;
    const seen = await states();
    expect(seen).toContain('provisioning');
    expect(seen.indexOf('provisioning')).toBeLessThan(seen.indexOf('active'));
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('shows a killed component restart and the recovery live, within 2 s of the events', async () => {
    const component = (await admin.get(`/v1/hosts/${hostId}`)).body.components.find((c: any) => c.kind === 'kube-scheduler');
    const row = page.locator(`.host[data-host="node-1"] tr[data-component="${component.name}"]`);
    await expectText(row.locator('td.restarts'), String(component.observed.restarts));
    const mark = Number((await admin.get(`/v1/environments/${ENV}/events`)).body.items.at(-1).id);
    const restartShown = whenShown(page, '.timeline li[data-reason="ComponentRestarted"]');
    const countShown = whenShown(page, `.host[data-host="node-1"] tr[data-component="${component.name}"] td.restarts`, String(component.observed.restarts + 1));
    process.kill(component.observed.pid, 'SIGKILL');

    const restartSeenAt = await restartShown;
    const restartCountSeenAt = await countShown;
    await expectText(row.locator('td.restarts'), String(component.observed.restarts + 1));
    const restarted = await eventAt('ComponentRestarted', mark);
    expect(restartSeenAt - Date.parse(restarted.createdAt)).toBeLessThan(LIVE_MS);
    expect(restartCountSeenAt - Date.parse(restarted.createdAt)).toBeLessThan(LIVE_MS);
    await badge().filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
    // the degradation and the recovery are both in the live timeline
    const degraded = await eventAt('StateDegraded', mark);
    expect(degraded.message).toContain(component.name);
    await page.locator(`.timeline li[data-reason="StateDegraded"]`).first().waitFor();
    await page.locator(`.timeline li[data-reason="StateActive"]`).first().waitFor();
    console.log(`on screen after the event (ms): ComponentRestarted row ${restartSeenAt - Date.parse(restarted.createdAt)}, restart count ${restartCountSeenAt - Date.parse(restarted.createdAt)}`);
  });

  it('downloads the kubeconfig, and kubectl uses it', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download kubeconfig' }).click()]);
    expect(download.suggestedFilename()).toBe(`${ENV}.kubeconfig`);
    kubeconfig = join(agents!.root, `${ENV}.kubeconfig`);
    await download.saveAs(kubeconfig);
    expect(readFileSync(kubeconfig, 'utf8')).toContain('current-context');
    expect((await kubectl('get', 'namespaces', '-o', 'name')).split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));
  });

  it('takes an etcd snapshot, downloads it, and restores it', async () => {
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    const completed = page.locator('table.snapshots tr:has(.badge.state-completed)').first();
    await completed.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), completed.getByRole('button', { name: /Download snapshot/ }).click()]);
    const file = join(agents!.root, 'snapshot.db');
    await download.saveAs(file);
    const snapshot = (await admin.get(`/v1/environments/${ENV}/snapshots`)).body.items[0];
    expect(snapshot.state).toBe('completed');
    expect(statSync(file).size).toBe(snapshot.sizeBytes);

    await kubectl('create', 'namespace', 'after-the-snapshot');
    await completed.getByRole('button', { name: /Restore snapshot/ }).click();
    const dialog = page.getByRole('dialog', { name: `Restore ${ENV} from a snapshot?` });
    await dialog.getByRole('button', { name: `Restore ${ENV}` }).click();
    await page.locator('.timeline li[data-reason="EtcdRestoreRequested"]').first().waitFor({ timeout: 10_000 });
    await page.locator('.timeline li[data-reason="EtcdRestored"]').first().waitFor({ timeout: 120_000 });
    await badge().filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
    await eventually(async () => !(await kubectl('get', 'namespaces', '-o', 'name')).includes('after-the-snapshot'), { timeoutMs: 30_000, what: 'the namespace made after the snapshot gone' });
  });

  it('shows a host going lost without a reload, within 2 s of the event, and the environment degraded', async () => {
    await page.getByRole('link', { name: 'Hosts' }).click();
    const hostBadge = page.locator('tr[data-host="node-1"] .badge').first();
    await expectText(hostBadge, 'active');
    const mark = Number((await admin.get(`/v1/environments/${ENV}/events`)).body.items.at(-1).id);
    // a frozen agent sends no heartbeat: disconnected after 3 s, lost after 6 s
    const lostShown = whenShown(page, 'tr[data-host="node-1"] .badge.state-lost');
    agents!.agents[0].process.kill('SIGSTOP');
    try {
      const lostSeenAt = await lostShown;
      const lost = await eventAt('HostLost', mark);
      expect(lostSeenAt - Date.parse(lost.createdAt)).toBeLessThan(LIVE_MS);
      console.log(`host lost on screen ${lostSeenAt - Date.parse(lost.createdAt)} ms after the event`);
      await screenshot(page, 'hosts');
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('link', { name: ENV }).click();
      await badge().filter({ hasText: 'degraded' }).waitFor({ timeout: 30_000 });
      await page.locator('.host[data-host="node-1"] .badge.state-lost').waitFor();
      await screenshot(page, 'environment-degraded', { fullPage: true });
    } finally {
      // the later tests need the agent: a failure here must not leave it frozen
      agents!.agents[0].process.kill('SIGCONT');
    }
    await badge().filter({ hasText: 'active' }).waitFor({ timeout: 60_000 });
  });

  it('resumes the event stream after the server drops it, without losing or repeating events', async () => {
    const shown = () => page.locator('.timeline li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id')!));
    const before = await shown();
    const mark = Number((await admin.get(`/v1/environments/${ENV}/events`)).body.items.at(-1).id);
    server.app.getHttpServer().closeAllConnections();
    await page.locator('.stream-reconnecting').waitFor({ timeout: 5000 });
    // events committed while the console is away
    await admin.patch(`/v1/environments/${ENV}`, { ttl: '3h' });
    await admin.patch(`/v1/environments/${ENV}`, { ttl: '2h' });
    const missed: string[] = (await admin.get(`/v1/environments/${ENV}/events?after=${mark}`)).body.items.map((e: any) => e.id);
    expect(missed.length).toBeGreaterThan(0);
    await page.locator('.stream-live').waitFor({ timeout: 30_000 });
    expect(missed.some((id) => before.includes(id))).toBe(false);
    await eventually(async () => {
      const now = await shown();
      return missed.every((id) => now.includes(id));
    }, { what: 'the missed events shown' });
    const after = await shown();
    expect(new Set(after).size).toBe(after.length);
  });

  it('lists environments with state, version, hosts, TTL and labels; filters by label selector; fits a phone', async () => {
    for (let i = 0; i < 3; i++) await admin.post('/v1/environments', { name: `ci-${i}`, labels: { team: 'ci' }, ttl: `${i + 1}h` });
    await page.getByRole('link', { name: 'Environments' }).click();
    const row = page.locator('table.env-list tbody tr', { has: page.getByRole('link', { name: ENV, exact: true }) });
    await expectText(row, 'active');
    await expectText(row.locator('td').nth(3), '1');
    await expectText(row.locator('td').nth(4), /^1h \d+m$/);
    await expectText(row, 'team=web');
    const created = row.locator('time');
    expect(await created.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await screenshot(page, 'environments');

    await page.getByLabel('Label selector').fill('team=ci');
    await page.getByRole('button', { name: 'Filter' }).click();
    await eventually(async () => (await page.locator('table.env-list tbody tr').count()) === 3, { what: 'three ci environments' });
    expect(page.url()).toContain('labelSelector=team%3Dci');
    expect(await accessibilityViolations(page)).toEqual([]);

    // keyboard: the skip link first, then the main navigation
    await page.reload();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Environments');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'environments-phone');
    await page.goto(`${server.url}/environments/${ENV}`);
    await expectText(badge(), 'active');
    expect(await overflowing(page)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'environment-phone', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('gives the registration command for a pool and shows its free hosts', async () => {
    await page.getByRole('link', { name: 'Pools' }).click();
    await page.getByLabel('New pool').fill('spare');
    await page.getByRole('button', { name: 'Registration command', exact: true }).click();
    const command = await page.locator('#copy-command').inputValue();
    const token = /--token (\S+)/.exec(command)![1];
    expect(command).toBe(`corral-agent --server ${server.url} --token ${token} --ca-fingerprint ${testCaFingerprint()}`);
    // a host registering with it (through the agent API) shows up as free
    expect((await apiClient(server.url).post('/v1/agent/register', { token, hostname: 'spare-1', addresses: ['10.99.0.2'] })).status).toBe(201);
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'spare', exact: true }) });
    await expectText(row.locator('td').nth(1), '1', 5000);
    await expectText(row.locator('td').nth(2), '0');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('shows an API error with its message, never a blank screen', async () => {
    await page.goto(`${server.url}/environments/no-such-env`);
    await expectText(page.getByRole('alert'), 'environment no-such-env not found');
  });

  it('rotates the certificates; the kubeconfig downloaded afterwards works', async () => {
    await page.goto(`${server.url}/environments/${ENV}`);
    await expectText(badge(), 'active');
    const certified = `SELECT c.id, c.spec_hash FROM components c JOIN environments e ON e.id = c.environment_id WHERE e.name = $1 AND c.kind NOT IN ('containerd', 'pod-network')`;
    const before = await server.sql<{ id: string; spec_hash: string }>(certified, [ENV]);
    const adminSerial = async () => (await admin.get(`/v1/environments/${ENV}/certificates`)).body.items.find((c: any) => c.name === 'admin').serialNumber;
    const serialBefore = await adminSerial();
    await page.getByRole('button', { name: 'Rotate certificates' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Rotation started' }), 'components restart one at a time');
    await page.locator('.timeline li[data-reason="CertificateRotationStarted"]').first().waitFor({ timeout: 10_000 });
    await page.locator('.timeline li[data-reason="RollingUpdate"]').first().waitFor({ timeout: 60_000 });
    await eventually(async () => {
      const now = await server.sql<{ id: string; spec_hash: string }>(certified, [ENV]);
      return now.every((c) => before.find((b) => b.id === c.id)?.spec_hash !== c.spec_hash) && (await adminSerial()) !== serialBefore;
    }, { timeoutMs: 180_000, intervalMs: 1000, what: 'every component on new certificates' });
    await badge().filter({ hasText: 'active' }).waitFor({ timeout: 120_000 });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download kubeconfig' }).click()]);
    await download.saveAs(kubeconfig);
    expect(await kubectl('get', 'namespaces', '-o', 'name')).toContain('namespace/kube-system');
  });

  it('extends the TTL, then deletes the environment after a confirmation that names it', async () => {
    await page.goto(`${server.url}/environments/${ENV}`);
    await page.getByRole('button', { name: 'Extend TTL' }).click();
    await page.getByLabel('Time to live, counted from now').fill('5h');
    await page.getByRole('button', { name: 'Set TTL' }).click();
    await eventually(async () => Date.parse((await admin.get(`/v1/environments/${ENV}`)).body.expiresAt) - Date.now() > 4.9 * 3600_000, { what: 'TTL of 5h' });
    await expectText(page.locator('.facts'), /4h 5\dm/);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete environment ${ENV}?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: `Delete ${ENV}` }).click();
    await page.waitForURL(`${server.url}/`);
    await eventually(async () => {
      const res = await admin.get(`/v1/environments/${ENV}`);
      return res.status === 404 || res.body.state === 'deleting';
    }, { what: 'environment deleting' });
  });

  it('goes back to the login, saying why, when the key it logged in with is revoked', async () => {
    const created = (await admin.post('/v1/api-keys', { name: 'console-reader', scopes: ['read'] })).body;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').fill(created.key);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    expect((await admin.delete(`/v1/api-keys/${created.id}`)).status).toBe(204);
    // the list refreshes every 5 s
    await expectText(page.getByRole('status'), 'Logged out: the server no longer accepts this API key (API key is not valid)', 10_000);
    expect(await page.evaluate('sessionStorage.getItem("corral.apiKey")')).toBeNull();
  });
});

async function expectText(locator: import('playwright-core').Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = await locator.first().textContent({ timeout: 1000 }).catch(() => null);
    if (last !== null && (typeof expected === 'string' ? last.includes(expected) : expected.test(last.trim()))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${locator} to show ${expected}; it shows ${JSON.stringify(last)}`);
}

/** "sha256:<hex>" of the test servers' CA, as registration commands pin it */
function testCaFingerprint(): string {
  return `sha256:${new X509Certificate(readFileSync(testTlsPaths().caFile)).fingerprint256.replace(/:/g, '').toLowerCase()}`;
}
