import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('returns whole messages only, across chunk boundaries, skipping comments and retry', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\n\nid: 7\nevent: state\nda')).toEqual([]);
    expect(parser.push('ta: {"a":1}\n\n: keep-alive\n\nevent: environment\ndata: {}\r\n\r\n')).toEqual([
      { id: '7', event: 'state', data: '{"a":1}' },
      { id: undefined, event: 'environment', data: '{}' },
    ]);
  });

  it('joins multi-line data and defaults the event name', () => {
    expect(new SseParser().push('data: a\ndata: b\n\n')).toEqual([{ id: undefined, event: 'message', data: 'a\nb' }]);
  });
});
