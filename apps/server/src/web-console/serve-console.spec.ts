import express from 'express';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { findConsoleDir, serveConsole } from './serve-console';

describe('serveConsole', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-console-'));
    dir = join(root, 'dist', 'web');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Corral</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** One request to the app on an ephemeral loopback port: status, headers and body text. */
  async function request(server: express.Express, path: string, method = 'GET') {
    const listener = server.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}${path}`, { method });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } finally {
      listener.close();
    }
  }

  function app(consoleDir: string | null) {
    const server = express();
    serveConsole(server as unknown as INestApplication, consoleDir);
    // stands in for the API's routes behind the middleware
    server.use((req, res) => res.status(404).json({ statusCode: 404, error: 'Not Found', message: `Cannot ${req.method} ${req.path}` }));
    return server;
  }

  it('serves files, and index.html for client routes; the API, docs and probes pass through', async () => {
    const a = app(dir);
    expect((await request(a, '/')).text).toContain('<title>Corral</title>');
    expect((await request(a, '/assets/app.js')).text).toBe('console.log(1)');
    const route = await request(a, '/environments/web-demo');
    expect(route.status).toBe(200);
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(route.text).toContain('<title>Corral</title>');
    for (const path of ['/v1/environments', '/v1', '/docs/openapi.json', '/healthz', '/metrics']) expect((await request(a, path)).status).toBe(404);
    expect((await request(a, '/environments', 'POST')).status).toBe(404);
  });

  it('answers 404 in the API error shape, saying how to build it, when the console is not built', async () => {
    const res = await request(app(null), '/');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringContaining('npm run build') });
  });

  it('finds dist/web/index.html in the nearest directory above', () => {
    const deep = join(root, 'dist', 'apps', 'server', 'src', 'web-console');
    mkdirSync(deep, { recursive: true });
    expect(findConsoleDir(deep)).toBe(dir);
    expect(findConsoleDir(join(tmpdir(), 'no-such', 'place'))).not.toBe(dir);
  });
});
