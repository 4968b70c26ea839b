// The config API as other apps compose it (the all-in-one controller) and as tests drive it.
export { ConfigApiModule } from './config-api.module.js';
export { CONFIG_API, type ConfigApi } from './config-api.js';
export { nestProjectionLog, type ConfigProjectionSettings } from './config-projection-wiring.js';
export { ConfigCommandService, type CommandMeta, type CommandOutcome } from './commands/config-command.service.js';
export { runAuditCli } from './audit/cli/audit-cli.js';
export { MAX_SNAPSHOT_EVERY, readAuditSettings, type AuditSettings } from './audit/audit-config.js';
export { type CliIo as AuditCliIo } from './audit/cli/cli-args.js';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_GRPC_PORT,
  DEFAULT_REST_PORT,
  configApiModuleFor,
  readConfigApiAuth,
  readConfigApiLimits,
  readConfigApiListeners,
  readConfigApiStorage,
  type ConfigApiAuth,
  type ConfigApiLimits,
  type ConfigApiListeners,
  type ConfigApiStorage,
} from './service/config-api-environment.js';
export { LIST_PARAMETERS } from './rest/list-query.js';
