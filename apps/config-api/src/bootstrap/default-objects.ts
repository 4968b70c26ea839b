import { ConfigError } from '#libs/domain';
import type { ConfigCommandService } from '../commands/config-command.service.js';

/** The global ASN Contrail starts with. */
export const DEFAULT_ASN = 64512;

/**
 * What a new Contrail installation has before anyone calls it (spec §1.2, CASS `__init__.py`): the default
 * global-system-config (ASN 64512), default-domain, default-project and default-network-ipam.
 */
export const DEFAULT_OBJECTS: ReadonlyArray<{ type: string; body: Record<string, unknown> }> = [
  { type: 'global-system-config', body: { fq_name: ['default-global-system-config'], autonomous_system: DEFAULT_ASN } },
  { type: 'domain', body: { fq_name: ['default-domain'] } },
  { type: 'project', body: { fq_name: ['default-domain', 'default-project'], parent_type: 'domain' } },
  { type: 'network-ipam', body: { fq_name: ['default-domain', 'default-project', 'default-network-ipam'], parent_type: 'project' } },
];

/**
 * Creates the defaults that are missing. Idempotent: each has a fixed command id, and an object that exists (made
 * by an earlier start, or by another process starting at the same time) is left as it is.
 */
export async function ensureDefaultObjects(commands: ConfigCommandService): Promise<number> {
  let created = 0;
  for (const { type, body } of DEFAULT_OBJECTS) {
    const fqName = body.fq_name as string[];
    if (commands.state.uuidOf(type, fqName)) continue;
    try {
      const outcome = await commands.create(type, body, {
        actor: 'system',
        source: 'bootstrap',
        commandId: `bootstrap:${type}:${fqName.join(':')}`,
      });
      if (!outcome.repeated) created++;
    } catch (error) {
      if (!(error instanceof ConfigError && error.status === 409)) throw error;
    }
  }
  return created;
}
