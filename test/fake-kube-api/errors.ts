import type { KindInfo } from './kinds.js';

/** The `reason` values of a Kubernetes `Status` (k8s.io/apimachinery/pkg/apis/meta/v1 StatusReason) the fake uses. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'Timeout'
  | 'InternalError';

/** A Kubernetes `Status` object, as the API server answers every failed request. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

/**
 * Every failure of the fake, in-process or over HTTP: it carries the HTTP code and the Status reason, so the HTTP
 * edge answers it as the real server would and a test calling the store directly can assert on the same fields.
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: KubeStatus['details'];

  constructor(code: number, reason: StatusReason, message: string, details?: KubeStatus['details']) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The `Status` body the real server sends for this failure. */
  toStatus(): KubeStatus {
    const status: KubeStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details !== undefined) status.details = this.details;
    return status;
  }
}

function details(info: KindInfo, name: string): KubeStatus['details'] {
  return info.group === '' ? { name, kind: info.plural } : { name, group: info.group, kind: info.plural };
}

/** `{plural}[.{group}]`, as the server names a resource in messages (`networkpolicies.networking.k8s.io`). */
function resourceName(info: KindInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

export function notFound(info: KindInfo, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${resourceName(info)} "${name}" not found`, details(info, name));
}

export function alreadyExists(info: KindInfo, name: string): KubeApiError {
  return new KubeApiError(409, 'AlreadyExists', `${resourceName(info)} "${name}" already exists`, details(info, name));
}

/** An update or patch that names a resourceVersion other than the stored one (optimistic concurrency). */
export function conflict(info: KindInfo, name: string): KubeApiError {
  const message = `Operation cannot be fulfilled on ${resourceName(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
  return new KubeApiError(409, 'Conflict', message, details(info, name));
}

export function invalid(info: KindInfo, name: string, problem: string): KubeApiError {
  return new KubeApiError(422, 'Invalid', `${info.kind} "${name}" is invalid: ${problem}`, details(info, name));
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

/** The answer of a watch that starts before the history floor (the watch cache's "too old resource version"). */
export function expired(requested: number, floor: number): KubeApiError {
  return new KubeApiError(410, 'Expired', `too old resource version: ${requested} (${floor})`);
}

export function unknownPath(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(method: string): KubeApiError {
  return new KubeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}
