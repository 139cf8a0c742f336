import type { EtcdRestore } from './etcd-restore.entity';
import type { EtcdSnapshot } from './etcd-snapshot.entity';

export function snapshotView(s: EtcdSnapshot) {
  return {
    id: s.id,
    environmentId: s.environmentId,
    trigger: s.trigger,
    state: s.state,
    message: s.message,
    sizeBytes: s.sizeBytes,
    sha256: s.sha256,
    etcdRevision: s.etcdRevision,
    etcdMember: s.etcdMember,
    createdAt: s.createdAt,
    completedAt: s.completedAt,
  };
}

export function restoreView(r: EtcdRestore) {
  return {
    id: r.id,
    environmentId: r.environmentId,
    snapshotId: r.snapshotId,
    generation: r.generation,
    phase: r.phase,
    message: r.message,
    keysRestored: r.keysRestored,
    preRestoreSnapshotId: r.preRestoreSnapshotId,
    deadlineAt: r.deadlineAt,
    cancelRequestedAt: r.cancelRequestedAt,
    createdAt: r.createdAt,
    completedAt: r.completedAt,
  };
}
