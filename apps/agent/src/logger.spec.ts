import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('never writes a token or credential', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink as never);
    logger.info({ token: 'reg-secret', credential: 'host-secret', request: { token: 'x1', headers: { authorization: 'Bearer y2' } } }, 'hello');
    const out = lines.join('');
    expect(out).toContain('hello');
    for (const secret of ['reg-secret', 'host-secret', 'x1', 'Bearer y2']) expect(out).not.toContain(secret);
  });
});
