import type { ComponentSpec, InitStep, ProbeSpec } from './component-spec';

export interface PlaceholderValues {
  componentDir: string;
  dataDir: string;
  address: string;
  hostname: string;
  binDir: string;
}

const PLACEHOLDER = /\$\{(componentDir|dataDir|address|hostname|binDir)\}/g;

/** Replaces the documented ${...} placeholders; anything else (e.g. ${HOME}) is left untouched. */
export function expandPlaceholders(value: string, values: PlaceholderValues): string {
  return value.replace(PLACEHOLDER, (_match, key: keyof PlaceholderValues) => values[key]);
}

/**
 * A spec with placeholders expanded in args, env values, file paths, probe fields and init
 * steps (args, env values, output, download paths). File contents are written byte for byte
 * unless the file asks for expansion (expandContent); download urls and hashes are not touched.
 */
export function expandComponentSpec(spec: ComponentSpec, values: PlaceholderValues): ComponentSpec {
  const expand = (v: string) => expandPlaceholders(v, values);
  return {
    ...spec,
    args: spec.args.map(expand),
    env: spec.env ? Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, expand(v)])) : undefined,
    files: spec.files.map((f) => ({ ...f, path: expand(f.path), ...(f.expandContent ? { content: expand(f.content) } : {}) })),
    probe: spec.probe ? expandProbe(spec.probe, values) : undefined,
    init: spec.init?.map((step) => expandInitStep(step, values)),
    teardown: spec.teardown?.map((step) => ({ ...step, command: step.command.map(expand) })),
  };
}

function expandInitStep(step: InitStep, values: PlaceholderValues): InitStep {
  const expand = (v: string) => expandPlaceholders(v, values);
  return {
    ...step,
    args: step.args.map(expand),
    env: step.env ? Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, expand(v)])) : undefined,
    downloads: step.downloads?.map((d) => ({ ...d, path: expand(d.path) })),
    output: expand(step.output),
  };
}

function expandProbe(probe: ProbeSpec, values: PlaceholderValues): ProbeSpec {
  const expand = (v: string | undefined) => (v === undefined ? undefined : expandPlaceholders(v, values));
  return {
    ...probe,
    host: expand(probe.host ?? '${address}'),
    path: expand(probe.path),
    caFile: expand(probe.caFile),
    certFile: expand(probe.certFile),
    keyFile: expand(probe.keyFile),
    command: probe.command?.map((c) => expandPlaceholders(c, values)),
  };
}
