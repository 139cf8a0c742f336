// @corral/testing: the one test toolkit (poll-until, free ports, server and stand-in launchers, browser)
// the poll-until and freePort live with the test hosts (which this toolkit builds on), one copy
export { eventually, untilDefined, freePort, type EventuallyOptions } from '@corral/test-hosts';
export * from './server-process';
export * from './redis-prefix';
export * from './chromium';
export * from './stand-ins/processes';
export * from './stand-ins/control-plane';
export * from './stand-ins/pki';
export * from './api-client';
export * from './environments';
export * from './oci-layout';
export * from './s3-test-server';
export * from './server-isolation';
export * from './in-process-server';
export * from './real-cluster';
export * from './direct-kubeconfig';
