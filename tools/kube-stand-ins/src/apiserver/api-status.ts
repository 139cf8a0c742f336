import type { ResourceDef } from './resources';

/** metav1.Status reasons the stand-in returns, by HTTP status. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Expired'
  | 'Gone'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  Unauthorized: 401,
  Forbidden: 403,
  Expired: 410,
  Gone: 410,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** An error that renders as a Kubernetes Status object. */
export class ApiError extends Error {
  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[] },
  ) {
    super(message);
  }

  get code(): number {
    return CODES[this.reason];
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

const qualified = (r: ResourceDef) => (r.group ? `${r.name}.${r.group}` : r.name);

export const notFound = (r: ResourceDef, name: string) =>
  new ApiError('NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.name });

export const alreadyExists = (r: ResourceDef, name: string) =>
  new ApiError('AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.name });

export const conflict = (r: ResourceDef, name: string) =>
  new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: r.group || undefined, kind: r.name },
  );

export const invalid = (r: ResourceDef, name: string, causes: { field: string; message: string }[]) =>
  new ApiError('Invalid', `${r.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
    name,
    group: r.group || undefined,
    kind: r.kind,
    causes: causes.map((c) => ({ reason: 'FieldValueInvalid', ...c })),
  });

export const successStatus = (details: Record<string, unknown>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
