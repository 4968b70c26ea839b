/** What the bridge's session registry answers about a live session of an agent. */
export interface RegisteredSession<S> {
  remoteAddress: string;
  session: S;
}

/** The bridge's registry of live sessions, keyed by agent name (the stream header's `from`). */
export interface SessionRegistry<S> {
  lookup(agentName: string): RegisteredSession<S> | undefined;
}

export type AdmissionDecision<S> =
  | { verdict: 'accept' }
  /** Close `previous` (the agent reconnected before its old session was seen to drop), then accept. */
  | { verdict: 'replace'; previous: S; reason: string }
  | { verdict: 'reject'; reason: string };

export interface AdmissionOptions {
  /**
   * TF drops a second session from the same address unless the GR helper is on, in which case the old one is torn
   * down (§1.1). Default true: replace, as our gRPC sessions do.
   */
  replaceFromSameAddress?: boolean;
}

/**
 * The session identity rule of §1.1 (TF's ProcessStreamHeaderMessage): sessions are keyed by agent name; a second
 * session of a name from a different address is rejected; from the same address it replaces the old one.
 */
export function decideAdmission<S>(
  registry: SessionRegistry<S>,
  agent: { name: string; remoteAddress: string },
  options: AdmissionOptions = {},
): AdmissionDecision<S> {
  const existing = registry.lookup(agent.name);
  if (existing === undefined) return { verdict: 'accept' };
  if (sameAddress(existing.remoteAddress, agent.remoteAddress)) {
    if (options.replaceFromSameAddress ?? true) {
      return { verdict: 'replace', previous: existing.session, reason: `agent ${agent.name} opened a new session from ${agent.remoteAddress}` };
    }
    return { verdict: 'reject', reason: `agent ${agent.name} already has a session from ${existing.remoteAddress}` };
  }
  return { verdict: 'reject', reason: `agent ${agent.name} is connected from ${existing.remoteAddress}; refusing a second session from ${agent.remoteAddress}` };
}

/** Compares socket addresses, reading `::ffff:a.b.c.d` as `a.b.c.d`. */
export function sameAddress(a: string, b: string): boolean {
  return unmapped(a) === unmapped(b);
}

function unmapped(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
