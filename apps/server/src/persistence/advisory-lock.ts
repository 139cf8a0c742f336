import { DataSource } from 'typeorm';

/**
 * Runs work while holding a PostgreSQL session advisory lock, so one environment is reconciled
 * by one worker at a time across every server process. A crashed holder's lock goes with its
 * connection.
 */
export async function withAdvisoryLock<T>(dataSource: DataSource, key: string, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    await runner.release();
  }
}
