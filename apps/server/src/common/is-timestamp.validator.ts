import { ValidationOptions, isISO8601, registerDecorator } from 'class-validator';

/**
 * An ISO 8601 date-time that JavaScript can turn into a Date. isISO8601 alone also passes forms
 * such as "20250101T000000Z" or "2025-W01" that `new Date()` cannot read (an Invalid Date then
 * reached PostgreSQL: a 500).
 */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimestamp',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isISO8601(value, { strict: true }) && Number.isFinite(Date.parse(value)),
        defaultMessage: () => 'must be an ISO 8601 date-time such as "2025-01-31T12:00:00Z"',
      },
    });
}
