export interface DependencyView {
  /** is a component of that name desired on this host */
  desired(name: string): boolean;
  /** is it healthy right now */
  healthy(name: string): boolean;
}

/**
 * Why a component may not start yet, or null when every dependency is healthy.
 * The message names each dependency still missing so an operator can see the chain.
 */
export function blockedByDependencies(dependsOn: readonly string[] | undefined, view: DependencyView): string | null {
  const waiting: string[] = [];
  for (const dep of dependsOn ?? []) {
    if (!view.desired(dep)) waiting.push(`${dep} (not desired on this host)`);
    else if (!view.healthy(dep)) waiting.push(`${dep} (not healthy)`);
  }
  return waiting.length === 0 ? null : `waiting for dependencies: ${waiting.join(', ')}`;
}
