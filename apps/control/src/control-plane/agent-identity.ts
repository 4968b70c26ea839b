/**
 * AGENT_IDENTITY: whether an agent's name must be one its TLS client certificate names. With 'any' (the default) the
 * name an agent gives (gRPC Hello's agent_name, the XMPP stream's `from`) is taken as it is, so any agent that may
 * connect could claim another's name and take over its routes; with 'certificate' the session needs a client
 * certificate, and the name must be its subject's CN or one of its DNS subject alternative names (compared without
 * case, as host names are).
 */
export type AgentIdentityMode = 'any' | 'certificate';

export const AGENT_IDENTITY_MODES: readonly AgentIdentityMode[] = ['any', 'certificate'];

/**
 * The names a certificate vouches for: its subject's common names and its DNS subject alternative names.
 * `subject` is the subject as node:crypto's X509Certificate writes it ("CN=a\nO=b") or as a TLS socket's peer
 * certificate holds it ({ CN: 'a' }); `subjectAltName` as both write it ("DNS:a, IP Address:10.0.0.1").
 */
export function certificateNames(subject: string | Record<string, unknown> | undefined, subjectAltName: string | undefined): string[] {
  const names: string[] = [];
  if (typeof subject === 'string') {
    for (const line of subject.split('\n')) if (line.startsWith('CN=')) names.push(line.slice(3));
  } else if (subject) {
    const cn = subject.CN;
    for (const value of Array.isArray(cn) ? cn : [cn]) if (typeof value === 'string') names.push(value);
  }
  for (const entry of (subjectAltName ?? '').split(',')) {
    const trimmed = entry.trim();
    if (trimmed.startsWith('DNS:')) names.push(trimmed.slice(4));
  }
  return names;
}

/**
 * Why an agent may not use `agentName`, or undefined when it may. `names` are its client certificate's names
 * (certificateNames); undefined when the session has none.
 */
export function agentIdentityProblem(mode: AgentIdentityMode, agentName: string, names: readonly string[] | undefined): string | undefined {
  if (mode === 'any') return undefined;
  if (names === undefined) {
    return `AGENT_IDENTITY=certificate: agent ${JSON.stringify(agentName)} connected without a client certificate (connect over TLS with one that names the agent)`;
  }
  const wanted = agentName.toLowerCase();
  if (names.some((name) => name.toLowerCase() === wanted)) return undefined;
  const shown = names.length === 0 ? 'no names' : names.map((n) => JSON.stringify(n)).join(', ');
  return `AGENT_IDENTITY=certificate: agent name ${JSON.stringify(agentName)} is not one its client certificate names (${shown})`;
}
