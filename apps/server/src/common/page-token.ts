import { FieldValidationException } from './field-validation.exception';

/**
 * Opaque keyset cursor over (createdAt, id); createdAt keeps PostgreSQL's microseconds, in the
 * one form the list query writes it ('YYYY-MM-DD"T"HH24:MI:SS.US"Z"').
 */
const CURSOR_TIME = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
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
    if (typeof createdAt === 'string' && typeof id === 'string' && isCursorTime(createdAt) && UUID.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw FieldValidationException.field('continue', 'is not a token returned by a previous page');
}

/** The shape alone let "2025-13-45T99:99:99..." through to PostgreSQL's cast: a 500. */
function isCursorTime(text: string): boolean {
  const match = CURSOR_TIME.exec(text);
  if (!match || Number(match[1]) < 1) return false;
  const date = new Date(`${text.slice(0, 23)}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === text.slice(0, 19);
}
