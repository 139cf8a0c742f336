const DAY_MS = 24 * 60 * 60 * 1000;

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** notBefore is set this far in the past so hosts with a slightly late clock accept new certs */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}
