import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface WatchObserver {
  /** a watch request is about to be made */
  attempt(): void;
  /** the apiserver answered 200 and events stream */
  connected(): void;
  /** the request or its stream is over; `wasConnected` tells a dropped stream from a failed attempt */
  ended(err: unknown, wasConnected: boolean): void;
}

/**
 * client-node's Watch, reporting when a watch really connects and ends. The informer alone
 * cannot tell: it swallows client-side timeouts and reconnects without an event, so a hung
 * apiserver or a cut link would never show. Once closed it starts no new request (the
 * informer may still try after one of its own reconnect delays).
 */
export class TrackedWatch extends Watch {
  private closed = false;

  constructor(
    config: KubeConfig,
    private readonly observer: WatchObserver,
  ) {
    super(config);
  }

  close(): void {
    this.closed = true;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    if (this.closed) return aborted();
    this.observer.attempt();
    let finished = false;
    let connected = false;
    const onDone = (err: unknown) => {
      if (finished) return;
      finished = true;
      this.observer.ended(err, connected);
      done(err);
    };
    try {
      const controller = await super.watch(path, queryParams, callback, onDone);
      if (!finished) {
        connected = true;
        this.observer.connected();
      }
      return controller;
    } catch (err) {
      // thrown before any request: no current cluster, unreadable client certificate files
      onDone(err);
      return aborted();
    }
  }
}

function aborted(): AbortController {
  const controller = new AbortController();
  controller.abort();
  return controller;
}
