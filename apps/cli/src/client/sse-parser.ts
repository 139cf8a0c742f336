export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * An incremental text/event-stream parser (WHATWG rules): feed it chunks as they arrive, get
 * complete messages back. Handles CRLF/CR/LF line ends, comments, multi-line data, `id:` and
 * `retry:`; a field without a colon has an empty value.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private sawData = false;
  /** the last id received (for Last-Event-ID), kept across messages as the spec says */
  lastEventId: string | undefined;
  /** reconnection delay the server asked for */
  retryMs: number | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // a lone CR at the end may be the first half of CRLF: wait for more
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.id = value;
          this.lastEventId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const message = this.sawData ? { ...(this.id !== undefined ? { id: this.id } : {}), event: this.event || 'message', data: this.data.join('\n') } : null;
    this.data = [];
    this.event = '';
    this.id = undefined;
    this.sawData = false;
    return message;
  }
}
