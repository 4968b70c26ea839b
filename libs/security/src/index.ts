// Authentication and role-based authorization (DESIGN §8): bearer tokens (API tokens from a file, JWTs, tokens
// minted for in-process clients), roles and their rights, the kubemanager's scope, and the audit trail of refused
// commands. Plain TypeScript on node:crypto: the config API's edges (apps/config-api/src/auth) and the control
// service's REST guard (apps/control/src/rest) put it to work.
export { BASE_ROLES, ROLE_SYNTAX, clusterOfRole, parseRole, roleHasRight, rolesWithRight, type BaseRole, type KubemanagerRole, type Right, type Role } from './roles.js';
export {
  ANONYMOUS_ACCESS,
  ANONYMOUS_ACTOR,
  UNAUTHENTICATED_ACTOR,
  anonymousPrincipal,
  describePrincipal,
  hasRight,
  kubemanagerClusters,
  writesAnything,
  type AnonymousAccess,
  type Authentication,
  type Principal,
} from './principal.js';
export { AuthRefusal, forbidden, unauthenticated, type RefusalReason, type RefusalStatus } from './auth-refusal.js';
export { checkAccess } from './check-access.js';
export { authorizeCommand, ownedBy, type CommandKind, type CommandRequest, type ExistingObject } from './authorize-command.js';
export { MIN_TOKEN_LENGTH, describeFileProblems, kubemanagerProblem, parseTokenFile, tokenDigest, type FileProblem, type TokenEntry, type TokenFileParse } from './token-file.js';
export { TokenTable } from './token-table.js';
export { JWT_ALGORITHMS, MIN_RSA_BITS, MIN_SECRET_BYTES, algorithmOf, describeJwtKeys, parseHmacSecret, parsePublicKeys, type JwtAlgorithm, type JwtKeys, type JwtPublicKey } from './jwt-keys.js';
export { DEFAULT_LEEWAY_SECONDS, looksLikeJwt, verifyJwt, type JwtPolicy, type VerifiedJwt } from './jwt.js';
export { Authenticator, bearerToken, noCredentials, type AuthenticatorOptions, type Credentials } from './authenticator.js';
export {
  CREDENTIAL_VARIABLES,
  hasCredentialFiles,
  loadCredentialFile,
  loadCredentials,
  type CredentialFileProblem,
  type CredentialFiles,
  type CredentialsLoad,
  type Fingerprints,
  type ReadFile,
} from './credential-files.js';
export { CredentialReloader, DEFAULT_RELOAD_MS, type ReloadLog } from './credential-reloader.js';
export { authStartupNotes, isLoopbackAddress, readAuthSettings, type AuthSettings, type StartupNote } from './auth-settings.js';
export { DEFAULT_REFUSAL_LIMITS, RefusalBudget } from './refusal-budget.js';
export { COMMAND_REFUSED, REFUSALS_STREAM, commandRefusedEvent, type CommandRefusedData, type Protocol, type RefusedCommand } from './refusal-event.js';
export { BearerTokenFile } from './bearer-token-file.js';
export { AUTHENTICATOR } from './security.tokens.js';
export { admit, type Admission } from './admission.js';
export { httpRefusal, routeAccess, wwwAuthenticate, type HttpRefusal, type RouteAccess } from './rest-access.js';
export { authenticatorFor, startAuthentication, type AuthLog } from './auth-runtime.js';
