/**
 * The paths the control service holds, as the contract says they live and die (docs/routing-semantics.md §3 and
 * the session rules of proto/contrail/control/v1/agent.proto): a plain list for drivers of property tests to keep
 * next to the real service and hand to referenceTable.
 */
import type { ConfigObject } from '#libs/domain';
import { referenceVrfs, type Publication } from './reference-model.js';

const keyOf = (agent: string, vrf: string, prefix: string) => JSON.stringify([agent, vrf, prefix]);

export class ReferencePublications {
  private readonly paths = new Map<string, Publication>();
  /** Keys of paths whose agent's session dropped and that were not published again since. */
  private readonly stale = new Set<string>();

  /** Publishing into a VRF the config does not have is refused (a Notice); returns whether it was taken. */
  publish(objects: ConfigObject[], publication: Publication): boolean {
    if (!referenceVrfs(objects).has(publication.vrf)) return false;
    const key = keyOf(publication.agent, publication.vrf, publication.prefix);
    this.paths.set(key, { ...publication, encapsulations: [...publication.encapsulations], securityGroups: [...publication.securityGroups] });
    this.stale.delete(key);
    return true;
  }

  withdraw(agent: string, vrf: string, prefix: string): void {
    const key = keyOf(agent, vrf, prefix);
    this.paths.delete(key);
    this.stale.delete(key);
  }

  /** After every config change: a VRF that left the config takes the paths published in it along. */
  configChanged(objects: ConfigObject[]): void {
    const vrfs = referenceVrfs(objects);
    for (const p of this.paths.values()) if (!vrfs.has(p.vrf)) this.withdraw(p.agent, p.vrf, p.prefix);
  }

  /** The session dropped: the agent's paths stay, stale, for the hold time. */
  disconnected(agent: string): void {
    for (const [key, p] of this.paths) if (p.agent === agent) this.stale.add(key);
  }

  /** AgentEndOfRib after a reconnect, or hold expiry: stale paths not published again go. */
  dropStale(agent: string): void {
    for (const [key, p] of this.paths) if (p.agent === agent && this.stale.has(key)) this.withdraw(p.agent, p.vrf, p.prefix);
  }

  list(): Publication[] {
    return [...this.paths.values()];
  }
}
