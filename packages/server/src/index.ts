/**
 * @auxctl/server: auxctld — authenticated, authorized gRPC access to ctl
 * devices, with a bounded dump store and per-principal limits.
 */
export * from './dump-store/index.js';
export * from './limits/index.js';
export * from './policy/index.js';
export * from './security/index.js';
