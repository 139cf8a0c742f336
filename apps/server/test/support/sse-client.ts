/** A minimal Server-Sent Events reader for tests: collects messages, waits for one that matches. */
export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

export function openEventStream(url: string, key: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const aborter = new AbortController();
  let status = 0;
  let contentType = '';
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  const done = (async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${key}`, ...headers }, signal: aborter.signal });
      status = res.status;
      contentType = res.headers.get('content-type') ?? '';
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: Partial<SseMessage> & { data?: string } = {};
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') message.id = value;
            else if (field === 'event') message.event = value;
            else if (field === 'data') message.data = (message.data ? `${message.data}\n` : '') + value;
          }
          if (message.data === undefined) continue;
          messages.push({ id: message.id, event: message.event ?? 'message', data: JSON.parse(message.data) });
          notify();
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      notify();
    }
  })();

  return {
    messages,
    get status() {
      return status;
    },
    get contentType() {
      return contentType;
    },
    get ended() {
      return ended;
    },
    /** resolves with the first message (from the start) that matches, or fails after timeoutMs */
    waitFor(match: (m: SseMessage) => boolean, timeoutMs = 10_000): Promise<SseMessage> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) finish(() => resolve(found));
          else if (ended) finish(() => reject(new Error(`stream ended without a matching message; got ${JSON.stringify(messages.map((m) => [m.event, m.data?.reason]))}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no matching message within ${timeoutMs}ms; got ${JSON.stringify(messages.map((m) => [m.event, m.data?.reason]))}`))), timeoutMs);
        const finish = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async close() {
      aborter.abort();
      await done;
    },
  };
}
