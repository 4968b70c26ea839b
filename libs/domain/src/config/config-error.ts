/**
 * The one error of the config plane. It carries the HTTP-like status the edges map once (REST status, gRPC code),
 * and a message that says what was wrong in the words of the resource model.
 */
export type ConfigErrorStatus = 400 | 403 | 404 | 409 | 412 | 413 | 503;

export class ConfigError extends Error {
  constructor(
    readonly status: ConfigErrorStatus,
    message: string,
    /** Where in the request body the problem is, e.g. `network_ipam_refs[0].attr.ipam_subnets[1].default_gateway`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const badRequest = (message: string, field?: string) => new ConfigError(400, message, field);
export const notFound = (message: string) => new ConfigError(404, message);
export const conflict = (message: string) => new ConfigError(409, message);
