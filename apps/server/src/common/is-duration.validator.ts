import { ValidationOptions, registerDecorator } from 'class-validator';
import { tryParseDuration } from '@corral/domain';

function isPositive(result: ReturnType<typeof tryParseDuration>): boolean {
  return result.ok && result.ms > 0;
}

/** A duration such as "30m", "2h" or "1h30m". */
export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isPositive(tryParseDuration(value)),
        defaultMessage: () => 'must be a positive duration such as "30m", "2h" or "1h30m"',
      },
    });
}
