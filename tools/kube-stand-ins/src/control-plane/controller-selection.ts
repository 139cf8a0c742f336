/**
 * Whether kube-controller-manager's --controllers enables a controller known by any of
 * `names` (current name and legacy alias): "*" enables the defaults, "-name" disables.
 */
export function controllerEnabled(controllers: string[], names: string[]): boolean {
  if (names.some((n) => controllers.includes(`-${n}`))) return false;
  return controllers.includes('*') || names.some((n) => controllers.includes(n));
}
