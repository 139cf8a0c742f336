import express from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';

/** paths the console never answers: the API, its documents and the probes keep their own 404s */
const SERVER_PATHS = /^\/(v1|docs|healthz|metrics)(\/|$)/;

/**
 * The built console (`dist/web`, from `vite build`): the nearest one above this file, so the same
 * lookup works from the sources (tests) and from dist/ (npm start). Null when it was not built.
 */
export function findConsoleDir(from: string = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Serves the console's static files at `/`; any other GET outside the server's own paths gets
 * index.html, so client-side routes (/environments/x) survive a reload. Needs no API key: every
 * screen calls /v1 with the key the person logged in with.
 */
export function serveConsole(app: INestApplication, dir: string | null = findConsoleDir()): void {
  const files = dir ? express.static(dir, { index: false, maxAge: '1h', setHeaders: noCacheForIndex }) : null;
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path)) return next();
    if (!files || !dir) {
      // the API's error shape, like every other answer of this server
      res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'the web console is not built: run `npm run build` (vite writes it to dist/web)' });
      return;
    }
    files(req, res, () => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(dir, 'index.html'));
    });
  });
}

function noCacheForIndex(res: express.Response, path: string): void {
  if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
}
