import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { UsageError } from '../exit-codes';

export { tlsVerificationFailure } from '@corral/domain';

/** Adds the server's CA (--ca-file) to what this process trusts, beside the system's CAs. */
export function trustServerCa(caFile: string): void {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca-file: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file: ${caFile} holds no PEM certificate`);
  const trusted = getCACertificates('default');
  if (!trusted.includes(pem)) setDefaultCACertificates([...trusted, pem]);
}
