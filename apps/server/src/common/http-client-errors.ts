import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiErrorBody } from './api-error';

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
};

/**
 * Requests that Node's HTTP parser refuses never reach Express (a byte not allowed in a URL,
 * oversized headers): Node would answer them with an empty body. This answers them with the
 * API's one error shape instead, under the same rule Node follows to avoid corrupting a reply
 * already under way.
 */
export function answerClientErrorsInShape(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket & { _httpMessage?: { headersSent?: boolean } }) => {
    if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [statusCode, message] = ANSWERS[err.code ?? ''] ?? [400, 'the request is not valid HTTP (for example a character not allowed in a URL or header)'];
    const body = JSON.stringify({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message } satisfies ApiErrorBody);
    // an answer to HEAD carries no body; the method is known when the request head arrived in one packet
    const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  });
}
