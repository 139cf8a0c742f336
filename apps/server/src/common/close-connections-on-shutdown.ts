import type { Server } from 'node:http';

/** how long a shutdown lets requests in flight finish before it cuts every connection */
const DRAIN_GRACE_MS = 10_000;

/**
 * server.close() waits for every connection Node does not count as idle: one whose client has
 * not sent a request yet (a TLS handshake, a pooled socket opened ahead of use) holds a shutdown
 * until headersTimeout (66 s). Once the server closes, this waits for the requests in flight
 * (event streams and waits end on their own at shutdown) and then cuts every connection left.
 */
export function closeConnectionsOnShutdown(server: Server, graceMs = DRAIN_GRACE_MS): void {
  let inFlight = 0;
  let closing = false;
  let cut: NodeJS.Timeout | undefined;
  const cutAll = () => {
    clearTimeout(cut);
    server.closeAllConnections();
  };
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (closing && inFlight === 0) cutAll();
    });
  });
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    closing = true;
    close(callback);
    if (inFlight === 0) cutAll();
    else {
      cut = setTimeout(cutAll, graceMs);
      cut.unref();
    }
    return server;
  }) as Server['close'];
}
