import { FieldValidationException } from './field-validation.exception';

/** Opaque keyset cursor over (createdAt, id); createdAt keeps PostgreSQL's microseconds. */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export interface PageCursor {
  createdAt: string;
  id: string;
}

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodePageToken(token: string): PageCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && PG_TIMESTAMP.test(createdAt) && UUID.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw FieldValidationException.field('continue', 'is not a token returned by a previous page');
}
