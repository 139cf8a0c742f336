/**
 * One line for a client-node, undici or Node error: HTTP status and the apiserver's message,
 * and the network cause (ECONNREFUSED, ...) that undici hides behind "fetch failed".
 */
export function describeError(err: unknown): string {
  if (err === null || err === undefined) return 'unknown error';
  if (typeof err !== 'object') return String(err);
  const e = err as { name?: string; message?: string; code?: unknown; statusCode?: unknown; body?: unknown; cause?: unknown };
  if (e.name === 'TimeoutError') return 'request timed out';
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.code === 'number' ? e.code : null;
  if (status !== null) {
    const message = apiMessage(e.body) ?? firstLine(e.message);
    return `HTTP ${status}${message ? `: ${message}` : ''}`;
  }
  const message = firstLine(e.message) ?? String(err);
  const cause = e.cause as { code?: unknown; message?: string } | undefined;
  if (cause && typeof cause === 'object') {
    const detail = typeof cause.code === 'string' ? `${cause.code}${cause.message ? ` (${firstLine(cause.message)})` : ''}` : firstLine(cause.message);
    if (detail) return `${message}: ${detail}`;
  }
  return typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n')[0]?.trim();
  return line ? line.slice(0, 300) : undefined;
}

/** the message of a Kubernetes Status body, as object or JSON text */
function apiMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return firstLine(body);
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? firstLine(message) : undefined;
}
