import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { FieldProblem } from './api-error';

/** A 400 that names every bad field, built from class-validator's errors. */
export class FieldValidationException extends BadRequestException {
  constructor(readonly details: FieldProblem[]) {
    super(details.map((d) => `${d.field}: ${d.message}`).join('; '));
  }

  static fromValidationErrors(errors: ValidationError[]): FieldValidationException {
    return new FieldValidationException(flatten(errors, ''));
  }

  static field(field: string, message: string): FieldValidationException {
    return new FieldValidationException([{ field, message }]);
  }
}

function flatten(errors: ValidationError[], parent: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return own.concat(flatten(error.children ?? [], field));
  });
}
