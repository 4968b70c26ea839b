import { agentProto } from '#libs/proto';
import type { AclRuleConfig, EndpointConfig } from '#libs/routing';
import type { ConfigDelta, SessionMessage } from '../control-plane/session-messages.js';
import type { WelcomeInfo } from '../control-plane/control-plane.js';

/** SessionMessage → contrail.control.v1.ControlMessage. */
export function toControlMessage(message: SessionMessage): agentProto.ControlMessage {
  switch (message.kind) {
    case 'config':
      return { version: message.version, body: { $case: 'config', value: toConfigUpdate(message.update) } };
    case 'routes':
      // RouteEntry and RoutePath carry every field of RouteUpdate and Path (RoutePath also `stale`, which the encoder
      // never reads), and the tables never change a path's routing fields in place: sent as they are, not copied per
      // agent and message.
      return { version: message.version, body: { $case: 'routes', value: { updates: message.updates } } };
    case 'end-of-rib':
      return { version: message.version, body: { $case: 'endOfRib', value: { vrf: message.vrf } } };
    case 'notice':
      return { version: 0, body: { $case: 'notice', value: { code: message.code, message: message.message } } };
  }
}

export function toWelcome(welcome: WelcomeInfo): agentProto.ControlMessage {
  return { version: 0, body: { $case: 'welcome', value: { ...welcome } } };
}

function toConfigUpdate(delta: ConfigDelta): agentProto.ConfigUpdate {
  return {
    full: delta.full,
    position: delta.position,
    virtualRouter: delta.virtualRouter,
    interfaces: delta.interfaces,
    removedInterfaces: delta.removedInterfaces,
    vrfs: delta.vrfs.map((v) => ({
      name: v.name,
      virtualNetwork: v.virtualNetwork,
      networkId: v.networkId,
      vxlanId: v.vxlanId,
      importTargets: v.importTargets,
      exportTargets: v.exportTargets,
      acl: v.acl,
    })),
    removedVrfs: delta.removedVrfs,
    acls: delta.acls.map((a) => ({ name: a.name, rules: a.rules.map(toAclRule) })),
    removedAcls: delta.removedAcls,
    securityGroups: delta.securityGroups.map((g) => ({ uuid: g.uuid, name: g.name, id: g.id, rules: g.rules.map(toAclRule) })),
    removedSecurityGroups: delta.removedSecurityGroups,
  };
}

function toAclRule(rule: AclRuleConfig): agentProto.AclRule {
  return { ...rule, sources: rule.sources.map(toEndpoint), destinations: rule.destinations.map(toEndpoint) };
}

function toEndpoint(endpoint: EndpointConfig): agentProto.Endpoint {
  if (endpoint.virtualNetwork !== undefined) return { match: { $case: 'virtualNetwork', value: endpoint.virtualNetwork } };
  if (endpoint.subnet !== undefined) return { match: { $case: 'subnet', value: endpoint.subnet } };
  if (endpoint.securityGroup !== undefined) return { match: { $case: 'securityGroup', value: endpoint.securityGroup } };
  return { match: { $case: 'any', value: true } };
}
