import { useState, type FormEvent, type ReactElement } from 'react';
import type { EnvironmentResource } from '@corral/contracts';
import { api, ApiError } from '../api';
import { parseLabels } from '../labels';

const FIELDS = ['name', 'kubernetesVersion', 'etcd.members', 'ttl', 'labels'] as const;

/** Sends what was typed as it is: the messages shown are the API's own, beside the field they name. */
export function CreateEnvironment({ onCreated }: { onCreated: (env: EnvironmentResource) => void }) {
  const [form, setForm] = useState({ name: '', kubernetesVersion: '', members: '1', ttl: '', labels: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setGeneral(undefined);
    const labels = parseLabels(form.labels);
    if ('error' in labels) return setErrors({ labels: labels.error });
    const body = {
      name: form.name,
      etcd: { members: Number(form.members) },
      labels: labels.labels,
      ...(form.kubernetesVersion ? { kubernetesVersion: form.kubernetesVersion } : {}),
      ...(form.ttl ? { ttl: form.ttl } : {}),
    };
    setBusy(true);
    try {
      onCreated(await api<EnvironmentResource>('POST', '/v1/environments', body));
    } catch (err) {
      const apiErr = err as ApiError;
      const byField: Record<string, string> = {};
      for (const d of apiErr.details ?? []) {
        const field = FIELDS.find((f) => d.field === f || d.field.startsWith(`${f}.`)) ?? (d.field.startsWith('labels') ? 'labels' : undefined);
        if (field) byField[field] = byField[field] ? `${byField[field]}; ${d.message}` : d.message;
      }
      setErrors(byField);
      setGeneral(apiErr.message);
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, key: string, label: string, input: ReactElement, hint?: string) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {input}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {errors[key] && (
        <small id={`${id}-error`} className="field-error">
          {key}: {errors[key]}
        </small>
      )}
    </div>
  );
  const describedBy = (id: string, key: string, hint?: boolean) => [hint ? `${id}-hint` : '', errors[key] ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <form className="create" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New environment</h2>
      {field('env-name', 'name', 'Name', <input id="env-name" value={form.name} onChange={set('name')} aria-invalid={!!errors.name} aria-describedby={describedBy('env-name', 'name', true)} />, 'lowercase letters, digits and -')}
      {field('env-version', 'kubernetesVersion', 'Kubernetes version', <input id="env-version" placeholder="default" value={form.kubernetesVersion} onChange={set('kubernetesVersion')} aria-invalid={!!errors.kubernetesVersion} aria-describedby={describedBy('env-version', 'kubernetesVersion')} />)}
      {field(
        'env-members',
        'etcd.members',
        'etcd members',
        <select id="env-members" value={form.members} onChange={set('members')} aria-describedby={describedBy('env-members', 'etcd.members')}>
          <option>1</option>
          <option>3</option>
          <option>5</option>
        </select>,
      )}
      {field('env-ttl', 'ttl', 'Time to live', <input id="env-ttl" placeholder="e.g. 2h" value={form.ttl} onChange={set('ttl')} aria-invalid={!!errors.ttl} aria-describedby={describedBy('env-ttl', 'ttl', true)} />, 'empty: no TTL')}
      {field('env-labels', 'labels', 'Labels', <input id="env-labels" placeholder="team=ci, tier=dev" value={form.labels} onChange={set('labels')} aria-invalid={!!errors.labels} aria-describedby={describedBy('env-labels', 'labels')} />)}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create'}
      </button>
      {general && (
        <p role="alert" className="error">
          {general}
        </p>
      )}
    </form>
  );
}
