import type { Server } from 'node:http';
import type { KubeApiProxy } from './kube-api-proxy';

/**
 * Puts the Kubernetes API proxy in front of the HTTP framework: its requests never meet the
 * body parsers (bodies stream to the apiserver untouched), and protocol upgrades (exec,
 * attach, port-forward) reach it, which the framework does not serve.
 */
export function attachKubeApiProxy(server: Server, proxy: KubeApiProxy): void {
  const framework = server.listeners('request') as Array<(...args: unknown[]) => void>;
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (proxy.handles(req.url)) {
      void proxy.handleRequest(req, res);
      return;
    }
    for (const listener of framework) listener.call(server, req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (proxy.handles(req.url)) {
      void proxy.handleUpgrade(req, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
}
