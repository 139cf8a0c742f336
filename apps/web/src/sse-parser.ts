export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Incremental Server-Sent Events parsing (the part of the HTML spec the Corral stream uses):
 * feed text as it arrives, get whole messages back. Comments (keep-alives) and `retry:` are skipped.
 */
export class SseParser {
  private buffer = '';

  push(text: string): SseMessage[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const messages: SseMessage[] = [];
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const message: { id?: string; event?: string; data?: string } = {};
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') message.id = value;
        else if (field === 'event') message.event = value;
        else if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
      }
      if (message.data !== undefined) messages.push({ id: message.id, event: message.event ?? 'message', data: message.data });
    }
    return messages;
  }
}
