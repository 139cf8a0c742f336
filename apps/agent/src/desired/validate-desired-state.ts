import { envProblem, isComponentName, isProbeType, probeCommandProblem, PROBE_TYPES, teardownCommandProblem, type DesiredState } from '@corral/contracts';
/** goes into a URL path: /v1/agent/images/<id>/data */
const IMAGE_ID = /^[A-Za-z0-9-]{1,64}$/;
/** a reference ctr accepts as one argument: printable, no spaces */
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,254}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Checks that a desired state from the server (or the cache) is safe to act on; throws a readable reason. */
export function validateDesiredState(value: unknown): DesiredState {
  const d = value as DesiredState;
  if (!isObject(d)) throw new Error('desired state is not an object');
  if (typeof d.hostId !== 'string') throw new Error('hostId must be a string');
  if (!Number.isInteger(d.revision) || d.revision < 0) throw new Error('revision must be a non-negative integer');
  if (!Array.isArray(d.components)) throw new Error('components must be an array');
  const names = new Set<string>();
  d.components.forEach((c, i) => {
    const at = `components[${i}]`;
    if (!isObject(c)) throw new Error(`${at} is not an object`);
    if (!isComponentName(c.name)) throw new Error(`${at}.name ${JSON.stringify(c.name)} is not a valid component name`);
    if (names.has(c.name)) throw new Error(`${at}.name ${c.name} appears twice`);
    names.add(c.name);
    if (typeof c.specHash !== 'string' || c.specHash === '') throw new Error(`${at}.specHash must be a non-empty string`);
    const s = c.spec;
    if (!isObject(s)) throw new Error(`${at}.spec is not an object`);
    if (typeof s.binary !== 'string' || s.binary === '') throw new Error(`${at}.spec.binary must be a non-empty string`);
    if (!isStringArray(s.args)) throw new Error(`${at}.spec.args must be an array of strings`);
    const envRefusal = s.env === undefined ? null : envProblem(s.env);
    if (envRefusal) throw new Error(`${at}.spec.env ${envRefusal}`);
    if (s.init !== undefined) {
      if (!Array.isArray(s.init)) throw new Error(`${at}.spec.init must be an array`);
      s.init.forEach((step, j) => {
        const stepEnvRefusal = !isObject(step) || step.env === undefined ? null : envProblem(step.env);
        if (stepEnvRefusal) throw new Error(`${at}.spec.init[${j}].env ${stepEnvRefusal}`);
      });
    }
    if (!Array.isArray(s.files)) throw new Error(`${at}.spec.files must be an array`);
    s.files.forEach((f, j) => {
      if (!isObject(f) || typeof f.path !== 'string' || typeof f.content !== 'string' || !Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777) {
        throw new Error(`${at}.spec.files[${j}] needs path, content and an octal mode`);
      }
    });
    if (!Array.isArray(s.ports) || !s.ports.every((p) => Number.isInteger(p))) throw new Error(`${at}.spec.ports must be integers`);
    if (s.dependsOn !== undefined && !isStringArray(s.dependsOn)) throw new Error(`${at}.spec.dependsOn must be an array of names`);
    if (s.stopGracePeriodSeconds !== undefined && !(typeof s.stopGracePeriodSeconds === 'number' && s.stopGracePeriodSeconds >= 0)) {
      throw new Error(`${at}.spec.stopGracePeriodSeconds must be a non-negative number`);
    }
    if (s.teardown !== undefined) {
      if (!Array.isArray(s.teardown)) throw new Error(`${at}.spec.teardown must be an array`);
      s.teardown.forEach((step, j) => {
        if (!isObject(step) || !['before-stop', 'after-stop'].includes(step.when as string)) throw new Error(`${at}.spec.teardown[${j}].when must be before-stop or after-stop`);
        if (!isStringArray(step.command) || step.command.length === 0) throw new Error(`${at}.spec.teardown[${j}].command must be a non-empty argv`);
        const commandRefusal = teardownCommandProblem(step.command);
        if (commandRefusal) throw new Error(`${at}.spec.teardown[${j}].command ${commandRefusal}`);
        if (!(typeof step.timeoutSeconds === 'number' && step.timeoutSeconds > 0)) throw new Error(`${at}.spec.teardown[${j}].timeoutSeconds must be a positive number`);
      });
    }
    const p = s.probe;
    if (p !== undefined) {
      if (!isObject(p) || !isProbeType(p.type)) throw new Error(`${at}.spec.probe.type must be one of ${PROBE_TYPES.join(', ')}`);
      for (const k of ['intervalSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
        if (typeof p[k] !== 'number' || !(p[k] > 0)) throw new Error(`${at}.spec.probe.${k} must be a positive number`);
      }
      if (p.type === 'exec' ? !isStringArray(p.command) || p.command.length === 0 : !Number.isInteger(p.port)) {
        throw new Error(`${at}.spec.probe needs ${p.type === 'exec' ? 'a command' : 'a port'}`);
      }
      const commandRefusal = p.type === 'exec' ? probeCommandProblem(p.command) : null;
      if (commandRefusal) throw new Error(`${at}.spec.probe.command ${commandRefusal}`);
    }
  });
  if (d.images !== undefined) {
    if (!Array.isArray(d.images)) throw new Error('images must be an array');
    const imageNames = new Set<string>();
    d.images.forEach((image, i) => {
      const at = `images[${i}]`;
      if (!isObject(image)) throw new Error(`${at} is not an object`);
      if (typeof image.id !== 'string' || !IMAGE_ID.test(image.id)) throw new Error(`${at}.id ${JSON.stringify(image.id)} is not a valid image id`);
      if (typeof image.name !== 'string' || !IMAGE_NAME.test(image.name)) throw new Error(`${at}.name ${JSON.stringify(image.name)} is not an image reference`);
      if (imageNames.has(image.name)) throw new Error(`${at}.name ${image.name} appears twice`);
      imageNames.add(image.name);
      if (typeof image.sha256 !== 'string' || !SHA256_HEX.test(image.sha256)) throw new Error(`${at}.sha256 must be 64 lower-case hex digits`);
      if (!Number.isSafeInteger(image.sizeBytes) || image.sizeBytes < 0) throw new Error(`${at}.sizeBytes must be a non-negative integer`);
      if (image.manifestDigest !== undefined && (typeof image.manifestDigest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(image.manifestDigest))) {
        throw new Error(`${at}.manifestDigest must be sha256:<64 hex digits>`);
      }
    });
  }
  return d;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
