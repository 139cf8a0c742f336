import { ValidationOptions, registerDecorator } from 'class-validator';
import { tryParseDuration } from '@corral/domain';

/**
 * The longest duration a field takes (every duration of this API is a time to live). Without a
 * bound, "700000h" overflowed the int seconds column and "9007199254740991ms" made an Invalid
 * Date: both 500s.
 */
export const MAX_DURATION = '3650d';
const MAX_DURATION_MS = 3650 * 86_400_000;

function isAccepted(result: ReturnType<typeof tryParseDuration>): boolean {
  return result.ok && result.ms > 0 && result.ms <= MAX_DURATION_MS;
}

/** A duration such as "30m", "2h" or "1h30m", at most MAX_DURATION. */
export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isAccepted(tryParseDuration(value)),
        defaultMessage: () => `must be a positive duration such as "30m", "2h" or "1h30m", at most ${MAX_DURATION}`,
      },
    });
}
