import { NotFoundException, PipeTransform } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A path id that cannot exist is a 404, not a database error. */
export function UuidParam(what: string): PipeTransform<string, string> {
  return {
    transform(value: string) {
      if (!isUuid(value)) throw new NotFoundException(`${what} ${value} not found`);
      return value.toLowerCase();
    },
  };
}
