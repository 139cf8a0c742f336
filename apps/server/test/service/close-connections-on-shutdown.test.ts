import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { closeConnectionsOnShutdown } from '../../src/common/close-connections-on-shutdown';

/** A shutdown is not held by connections without a request, and lets the requests in flight finish. */
describe('closeConnectionsOnShutdown', () => {
  const listen = async (server: Server) => {
    server.headersTimeout = 66_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const closed = (server: Server) => new Promise<number>((resolve) => {
    const started = Date.now();
    server.close(() => resolve(Date.now() - started));
  });
  const openSilentSocket = (port: number) => new Promise<ReturnType<typeof connect>>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
  });

  it('closes at once although a client holds a connection on which it sent nothing', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    closeConnectionsOnShutdown(server);
    const port = await listen(server);
    const silent = await openSilentSocket(port);
    const ended = new Promise((resolve) => silent.once('close', resolve));
    expect(await closed(server)).toBeLessThan(2000);
    await ended;
  });

  it('without it, the same connection holds the shutdown (the check can fail)', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const port = await listen(server);
    const silent = await openSilentSocket(port);
    const outcome = await Promise.race([closed(server).then(() => 'closed'), new Promise((r) => setTimeout(() => r('held'), 1500))]);
    expect(outcome).toBe('held');
    silent.destroy();
  });

  it('lets a request in flight answer before it cuts the connections', async () => {
    let answer: (() => void) | undefined;
    const server = createServer((_req, res) => {
      answer = () => res.end('late but whole');
    });
    closeConnectionsOnShutdown(server, 30_000);
    const port = await listen(server);
    const response = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text());
    while (!answer) await new Promise((r) => setTimeout(r, 10));
    const closing = closed(server);
    await new Promise((r) => setTimeout(r, 300));
    answer();
    expect(await response).toBe('late but whole');
    expect(await closing).toBeLessThan(5000);
  });
});
