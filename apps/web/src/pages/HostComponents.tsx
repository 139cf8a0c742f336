import type { ConditionView } from '@corral/contracts';
import { ConditionsTable, StateBadge, Time } from '../ui/common';

export interface ComponentRow {
  name: string;
  kind: string;
  upToDate: boolean;
  observed: { phase: string; healthy: boolean; restarts: number; pid: number | null; exitCode: number | null; message: string | null; crashLoop: boolean; lastLogLines: string[] | null; since: string } | null;
  conditions: ConditionView[];
}
export interface HostDetail {
  id: string;
  hostname: string;
  pool: string | null;
  environmentId: string | null;
  addresses: string[];
  roles: string[];
  state: string;
  lastHeartbeatAt: string | null;
  conditions: ConditionView[];
  components: ComponentRow[];
}

export function HostComponents({ host }: { host: HostDetail }) {
  return (
    <div className="host" data-host={host.hostname}>
      <h3>
        {host.hostname} <StateBadge state={host.state} />
      </h3>
      <p className="muted">
        {host.addresses.join(', ')} · {host.roles.join(', ') || 'no roles'} · heartbeat <Time iso={host.lastHeartbeatAt} />
      </p>
      <div className="scroll">
        <table className="components">
          <caption className="sr-only">Components on {host.hostname}</caption>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Phase</th>
              <th scope="col">Health</th>
              <th scope="col">Restarts</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {host.components.map((c) => {
              const o = c.observed;
              const healthy = o?.healthy ?? false;
              // the host is silent: what it last reported may be stale
              const stale = c.conditions.find((k) => k.type === 'Reported' && k.status === 'Unknown');
              return (
                <tr key={c.name} data-component={c.name} className={healthy ? '' : 'failing'}>
                  <td>
                    {c.name}
                    {!healthy && o?.lastLogLines?.length ? (
                      <details>
                        <summary>last log lines</summary>
                        <pre className="log">{o.lastLogLines.join('\n')}</pre>
                      </details>
                    ) : null}
                    {!healthy && o?.message ? <div className="muted">{o.message}</div> : null}
                  </td>
                  <td>{o?.phase ?? 'not reported'}</td>
                  <td>
                    {stale ? (
                      <span className="badge cond-Unknown" title={stale.message}>
                        unknown
                      </span>
                    ) : (
                      <span className={`badge ${healthy ? 'cond-True' : 'cond-False'}`}>{healthy ? 'healthy' : o?.crashLoop ? 'crash loop' : 'unhealthy'}</span>
                    )}
                  </td>
                  <td className="restarts">{o?.restarts ?? 0}</td>
                  <td>
                    <Time iso={o?.since} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {host.conditions.some((c) => c.status !== 'True') && <ConditionsTable conditions={host.conditions} caption={`Conditions of host ${host.hostname}`} />}
    </div>
  );
}
