import { DEFAULT_KUBE_VERSION, runStandIn } from '../common/run-stand-in';
import { KUBE_CONTROLLER_MANAGER_FLAGS } from '../common/upstream-flags';
import { controllerEnabled } from './controller-selection';
import { NodeLifecycleController } from './node-lifecycle';
import { runControlPlaneComponent } from './run-control-plane-component';

void runStandIn('kube-controller-manager', KUBE_CONTROLLER_MANAGER_FLAGS, process.argv.slice(2), process.env.KUBE_STAND_IN_VERSION ?? DEFAULT_KUBE_VERSION, async (ctx) => {
  const { flags, log } = ctx;
  return runControlPlaneComponent('kube-controller-manager', ctx, flags.str('kubeconfig'), (client) =>
    controllerEnabled(flags.list('controllers'), ['node-lifecycle-controller', 'nodelifecycle'])
      ? [
          new NodeLifecycleController(
            client,
            log,
            flags.isSet('node-monitor-period') ? flags.ms('node-monitor-period') : 5000,
            flags.isSet('node-monitor-grace-period') ? flags.ms('node-monitor-grace-period') : 40_000,
          ),
        ]
      : [],
  );
});
