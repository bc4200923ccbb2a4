/**
 * Security: transport security and authentication of auxctld — the local CA,
 * the state directory, peer principals, bearer tokens, TLS credentials and
 * the loopback rule for plaintext.
 */
export {
  type BearerConfig,
  type BearerIdentity,
  type BearerKey,
  type BearerRejection,
  BearerVerifier,
  type MintKey,
  type MintRequest,
  mintBearer,
  parseAuthorization,
} from './bearer.js';
export { findInCallChain } from './call-chain.js';
export {
  type CaCreateRequest,
  CertAuthority,
  type ClientCertificateRequest,
  checkClientUri,
  checkCommonName,
  DEFAULT_SERVER_NAMES,
  type IssuedCertificate,
  type ServerCertificateRequest,
  type ValidityWindow,
} from './cert-authority.js';
export {
  CLIENT_CONFIG_VERSION,
  type ClientConfig,
  loadClientConfig,
  parseClientConfig,
} from './client-config.js';
export {
  assertLoopback,
  connectAddress,
  formatListenAddress,
  isLoopbackHost,
  type ListenAddress,
  parseListenAddress,
} from './listen-address.js';
export {
  certificateClaims,
  claimText,
  type PresentedIdentity,
  presentedIdentity,
  tokenClaims,
} from './presented-identity.js';
export {
  type AuthContextCall,
  firstUriSan,
  type PeerCertificateLike,
  type PeerIdentity,
  parseSubjectAltNames,
  peerCertificateOfCall,
  peerIdentity,
  principalOfCall,
  principalOfPeer,
  type SubjectAltName,
  tlsRefusalOfCall,
} from './principal.js';
export {
  DEFAULT_ADMIN_PRINCIPAL,
  DEFAULT_CLIENT_ADDRESS,
  defaultStateDir,
  type EnsureStateOptions,
  ensureState,
  type Reissue,
  recordClientAddress,
  type StateFile,
  type StatePaths,
  type StateReport,
  statePaths,
} from './state-dir.js';
export {
  bearerCallCredentials,
  type ClientConnection,
  clientConnectionFromConfig,
  mtlsServerCredentials,
  optionalClientCertServerCredentials,
  type ServerTlsMaterial,
} from './tls-credentials.js';
