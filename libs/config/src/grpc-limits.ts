import type { EnvReader } from './env-reader.js';

/** grpc-js's own default receive limit, kept as ours. */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const MAX_GRPC_MAX_MESSAGE_BYTES = 1024 * 1024 * 1024;

/**
 * GRPC_MAX_MESSAGE_BYTES: the largest request message the gRPC port takes, for every service on it (default 4 MiB).
 * Agents send their routes in chunks of 1,000 (a few hundred kB); what control sends them is not limited here.
 */
export function readGrpcMaxMessageBytes(env: EnvReader): number {
  return env.integer('GRPC_MAX_MESSAGE_BYTES', DEFAULT_GRPC_MAX_MESSAGE_BYTES, { min: 1024, max: MAX_GRPC_MAX_MESSAGE_BYTES, note: 'bytes' });
}
