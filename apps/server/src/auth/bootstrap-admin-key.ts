import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { ApiKeysService } from './api-keys.service';

/**
 * Makes sure an operator can get in: registers CORRAL_ADMIN_KEY when given; otherwise, when no
 * admin key exists yet, generates one and shows it exactly once (stderr, and the admin key file
 * in embedded mode). Serialised by an advisory lock so replicas starting together agree.
 */
@Injectable()
export class BootstrapAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminKey.name);

  constructor(
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly apiKeys: ApiKeysService,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'worker') return;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', ['corral-bootstrap-admin']);
      if (this.config.adminKey) {
        await this.apiKeys.ensure('bootstrap-admin', this.config.adminKey, ['admin']);
        return;
      }
      if ((await this.apiKeys.countAdmins()) > 0) return;
      const created = await this.apiKeys.create('bootstrap-admin', ['admin']);
      if (this.config.adminKeyFile) {
        await mkdir(dirname(this.config.adminKeyFile), { recursive: true, mode: 0o700 });
        await writeFile(this.config.adminKeyFile, `${created.key}\n`, { mode: 0o600 });
        this.logger.log(`generated the bootstrap admin key and wrote it to ${this.config.adminKeyFile} (mode 0600)`);
      } else {
        // shown once, on purpose outside the structured log
        process.stderr.write(`\nCorral generated a bootstrap admin API key (shown only now):\n\n  ${created.key}\n\n`);
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', ['corral-bootstrap-admin']).catch(() => undefined);
      await runner.release();
    }
  }
}
