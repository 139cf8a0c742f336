export { EtcdClient, EtcdError, EtcdUnavailableError, urlHost, type EtcdClientOptions, type EtcdClusterMember, type EtcdTls } from './etcd-client';
export { prefixEnd, type Compare, type KeyValue, type RangeResult, type TxnOp, type TxnResult, type WatchEvent, type WatchHandlers } from './etcd-kv';
