/**
 * containerd's socket, as a component on the same host names it. The agent keeps each
 * component's data in <state dir>/data/<name>/, so the socket sits under containerd's own data
 * dir and every host on a shared test machine has its own.
 */
export function containerdSocket(from: 'containerd' | 'other'): string {
  return from === 'containerd' ? '${dataDir}/containerd.sock' : '${dataDir}/../containerd/containerd.sock';
}

/** The pod sandbox image; Corral builds it (tools/images) and imports it into every host's containerd. */
export const SANDBOX_IMAGE = 'corral.local/pause:3.10';
