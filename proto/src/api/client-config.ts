/** @auxctl/proto/client-config: client.json, shared by auxctld (which writes it) and the client. */

export {
  CLIENT_CONFIG_VERSION,
  type ClientConfig,
  ClientConfigError,
  parseClientConfig,
} from '../client-config.js';
