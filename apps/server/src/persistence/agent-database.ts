import { TypeOrmModule } from '@nestjs/typeorm';
import type { DynamicModule } from '@nestjs/common';
import type { CorralConfig } from '../config/corral-config';
import { dataSourceOptions } from './data-source-options';

/**
 * The agent protocol's own PostgreSQL pool (CORRAL_AGENT_DB_POOL_SIZE): host authentication,
 * heartbeats and status ingestion never queue behind API requests for a connection, so API load
 * cannot delay heartbeats into false `disconnected` or `lost` states. Inject with
 * `@InjectDataSource(AGENT_DATABASE)`.
 */
export const AGENT_DATABASE = 'agent';

export function agentDatabaseModule(config: CorralConfig): DynamicModule {
  return TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl, config.databaseSchema, config.limits.agentDatabasePoolSize), name: AGENT_DATABASE });
}
