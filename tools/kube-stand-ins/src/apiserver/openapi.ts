import { RESOURCES } from './resources';

/**
 * A minimal OpenAPI v3 surface: one document per group-version whose PATCH operations name
 * their GVK and the fieldValidation parameter. That is what kubectl's field-validation
 * check looks for; with it kubectl apply/create leave validation to the server instead of
 * downloading full schemas. The documents carry no schemas, so kubectl's strategic-merge
 * logic falls back to its compiled-in types.
 */

const groupVersions = () => [...new Set(RESOURCES.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)))];

function hashOf(gv: string): string {
  return Buffer.from(gv).toString('hex').slice(0, 32).toUpperCase();
}

export function openapiV3Document(path: string, gitVersion: string): Record<string, unknown> | undefined {
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    return { paths: Object.fromEntries(groupVersions().map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(gv)}` }])) };
  }
  const gv = path.replace(/^\/openapi\/v3\//, '');
  if (!groupVersions().includes(gv)) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => (x.group ? `apis/${x.group}/${x.version}` : `api/${x.version}`) === gv)) {
    const base = `/${gv}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.name}`;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const params = [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }];
    const op = (verb: string) => ({ operationId: `${verb}${r.kind}`, 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': verb, parameters: params, responses: { '200': { description: 'OK' } } });
    paths[base] = { post: op('post') };
    paths[`${base}/{name}`] = { put: op('put'), patch: op('patch') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas: {} } };
}
