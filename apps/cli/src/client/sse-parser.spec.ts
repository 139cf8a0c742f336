import fc from 'fast-check';
import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses messages with id, event and multi-line data; skips comments; remembers the last id and retry', () => {
    const parser = new SseParser();
    const messages = parser.push('retry: 2000\n\n: keep-alive\n\nevent: environment\ndata: {"a":1}\n\nid: 7\nevent: state\ndata: line1\ndata: line2\n\n');
    expect(messages).toEqual([
      { event: 'environment', data: '{"a":1}' },
      { id: '7', event: 'state', data: 'line1\nline2' },
    ]);
    expect(parser.lastEventId).toBe('7');
    expect(parser.retryMs).toBe(2000);
    expect(parser.push('data\n\n')).toEqual([{ event: 'message', data: '' }]);
    expect(parser.lastEventId).toBe('7');
  });

  it('gives the same messages however the stream is cut into chunks, with any line ends', () => {
    const text = 'id: 1\nevent: state\ndata: {"x":"a:b"}\n\nid: 2\r\nevent: condition\r\ndata: two\r\n\r\n: c\rdata: three\r\r\n';
    const whole = new SseParser().push(text);
    expect(whole).toHaveLength(3);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = new SseParser();
        const got = [];
        let from = 0;
        for (const p of [...points, text.length]) {
          got.push(...parser.push(text.slice(from, p)));
          from = p;
        }
        expect(got).toEqual(whole);
      }),
    );
  });
});
