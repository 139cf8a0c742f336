import { DEFAULT_KUBE_VERSION, runStandIn } from '../common/run-stand-in';
import { KUBE_SCHEDULER_FLAGS } from '../common/upstream-flags';
import { readComponentConfig } from './component-config';
import { runControlPlaneComponent } from './run-control-plane-component';

void runStandIn('kube-scheduler', KUBE_SCHEDULER_FLAGS, process.argv.slice(2), process.env.KUBE_STAND_IN_VERSION ?? DEFAULT_KUBE_VERSION, async (ctx) => {
  let kubeconfig = ctx.flags.str('kubeconfig');
  const configPath = ctx.flags.str('config');
  if (configPath) {
    const config = readComponentConfig(configPath, 'KubeSchedulerConfiguration', ['kubescheduler.config.k8s.io/v1']);
    kubeconfig ||= String((config.clientConnection as { kubeconfig?: string } | undefined)?.kubeconfig ?? '');
  }
  return runControlPlaneComponent('kube-scheduler', ctx, kubeconfig);
});
