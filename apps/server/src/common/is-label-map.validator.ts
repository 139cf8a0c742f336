import { ValidationOptions, registerDecorator } from 'class-validator';
import { validateLabels } from '@corral/domain';

function labelMapProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of label keys to string values';
  const problems = validateLabels(value as Record<string, string>);
  return problems.length ? problems.join('; ') : null;
}

/** Kubernetes label syntax for a {key: value} object. */
export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLabelMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => labelMapProblem(value) === null,
        defaultMessage: (args) => labelMapProblem(args?.value) ?? 'must be an object of label keys to string values',
      },
    });
}
