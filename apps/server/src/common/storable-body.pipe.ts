import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { FieldValidationException } from './field-validation.exception';

/** No request of this API nests more than a handful of levels; 32 is body-parser's own limit for forms. */
export const MAX_BODY_DEPTH = 32;

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface BodyProblem {
  /** dotted path as in validation details; empty for the body as a whole */
  field: string;
  message: string;
}

/**
 * Refuses request bodies the server could neither walk nor store, before class-transformer and
 * class-validator recurse into them: nesting deeper than MAX_BODY_DEPTH (a 40,000-deep array
 * overflowed their stack), and strings, values or keys, holding U+0000 or an unpaired
 * surrogate, which PostgreSQL text and jsonb columns cannot hold (both were 500s, one after a
 * partial write). Walks with an explicit stack, so the check itself cannot overflow.
 */
@Injectable()
export class StorableBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    const problem = findUnstorable(value, MAX_BODY_DEPTH);
    if (!problem) return value;
    throw problem.field ? FieldValidationException.field(problem.field, problem.message) : new BadRequestException(problem.message);
  }
}

export function findUnstorable(root: unknown, maxDepth: number): BodyProblem | null {
  const stack: Array<[value: unknown, field: string, depth: number]> = [[root, '', 0]];
  while (stack.length) {
    const [value, field, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const why = unstorable(value);
      if (why) return { field, message: `must not contain ${why}` };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { field: '', message: `request body is nested deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(value)) {
      const why = unstorable(key);
      if (why) return { field, message: `keys must not contain ${why}` };
      stack.push([child, field ? `${field}.${key}` : key, depth + 1]);
    }
  }
  return null;
}

function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'the NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return null;
}
