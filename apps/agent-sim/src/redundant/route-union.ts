import type { agentProto } from '#libs/proto';

/** One VRF's routes as a session holds them: prefix → the best paths control sent for it. */
export type VrfRoutes = ReadonlyMap<string, readonly agentProto.Path[]>;
/** Every subscribed VRF's routes as a session holds them. */
export type SessionRoutes = ReadonlyMap<string, VrfRoutes>;

/**
 * The routes of one VRF as an agent with a session to each of several control replicas sees them (DESIGN §5, as a
 * Tungsten Fabric vRouter agent with two control nodes): every prefix some live session holds, once, with the best
 * paths of the first session that holds it. `tables` are the live sessions' tables, most preferred first (the
 * order of the control endpoints). Replicas compute the same tables from the same log and the same agents, so
 * their answers differ only while one is catching up; the preferred one wins then.
 */
export function unionOfVrf(tables: readonly VrfRoutes[]): VrfRoutes {
  const nonEmpty = tables.filter((table) => table.size > 0);
  // The common case (one replica holds everything, or only one is live) costs no copy.
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? new Map();
  const union = new Map(nonEmpty[0]);
  for (const table of nonEmpty.slice(1)) {
    for (const [prefix, paths] of table) if (!union.has(prefix)) union.set(prefix, paths);
  }
  return union;
}

/** Every VRF some live session holds (even an empty table, as a subscription not yet filled), each as unionOfVrf. */
export function unionOfSessions(sessions: readonly SessionRoutes[]): Map<string, VrfRoutes> {
  const vrfs = new Set<string>();
  for (const session of sessions) for (const vrf of session.keys()) vrfs.add(vrf);
  const out = new Map<string, VrfRoutes>();
  for (const vrf of vrfs) out.set(vrf, unionOfVrf(sessions.flatMap((s) => (s.has(vrf) ? [s.get(vrf)!] : []))));
  return out;
}
