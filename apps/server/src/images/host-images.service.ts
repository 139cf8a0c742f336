import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { HostImageRow, ObservedImage } from '@corral/contracts';
import { EventsService, NewEvent } from '../events/events.service';
import { AGENT_DATABASE } from '../persistence/agent-database';

interface HostRef {
  id: string;
  hostname: string;
  environmentId: string | null;
}

/**
 * What each host's agent last reported about the desired images (host_images). Written only when
 * the report differs from the stored one, in one statement, so a heartbeat that changes nothing
 * costs one index lookup; an image becoming imported, or failing to, is an event of the host.
 */
@Injectable()
export class HostImagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectDataSource(AGENT_DATABASE) private readonly agentDatabase: DataSource,
    private readonly events: EventsService,
  ) {}

  async ingest(host: HostRef, images: ObservedImage[]): Promise<void> {
    const reported = images.map((i) => ({ id: i.id, name: i.name, sha256: i.sha256, imported: i.imported, message: i.message ?? null, failures: i.failures ?? 0, importedAt: i.importedAt ?? null }));
    const rows: { previous: HostImageRow[] | null }[] = await this.agentDatabase.query(
      `WITH prev AS (SELECT images FROM host_images WHERE host_id = $1)
       INSERT INTO host_images (host_id, images, changed_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (host_id) DO UPDATE SET images = EXCLUDED.images, changed_at = EXCLUDED.changed_at
         WHERE host_images.images IS DISTINCT FROM EXCLUDED.images
       RETURNING (SELECT images FROM prev) AS previous`,
      [host.id, JSON.stringify(reported)],
    );
    if (!rows.length) return; // unchanged
    for (const event of imageTransitions(host, rows[0].previous ?? [], reported)) await this.events.record(event, this.agentDatabase.manager);
  }

  async forHost(hostId: string): Promise<HostImageRow[]> {
    const [row] = await this.dataSource.query(`SELECT images FROM host_images WHERE host_id = $1`, [hostId]);
    return (row?.images as HostImageRow[] | undefined) ?? [];
  }
}

/** Events for a host's new report: an image imported, or a failure that was not there before. */
export function imageTransitions(host: HostRef, before: HostImageRow[], now: HostImageRow[]): NewEvent[] {
  const previous = new Map(before.map((i) => [`${i.name}@${i.sha256}`, i]));
  const base = { environmentId: host.environmentId, hostId: host.id, component: 'containerd' };
  const events: NewEvent[] = [];
  for (const image of now) {
    const was = previous.get(`${image.name}@${image.sha256}`);
    if (image.imported && !was?.imported) {
      events.push({ ...base, reason: 'ImageImported', message: `image ${image.name} (sha256 ${image.sha256.slice(0, 12)}) imported into containerd on ${host.hostname}` });
    } else if (!image.imported && image.failures > 0 && !(was && !was.imported && was.failures > 0)) {
      events.push({ ...base, type: 'Warning', reason: 'ImageImportFailed', message: `image ${image.name} on ${host.hostname}: ${image.message}` });
    }
  }
  return events;
}
