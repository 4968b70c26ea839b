import type { InterfaceConfig, VrfConfig } from '#libs/routing';
import type { ConfigDelta } from '../control-plane/session-messages.js';
import { applyConfigDelta } from './agent-config-copy.js';

const router = { uuid: '00000001-0000-4000-8000-000000000000', name: 'xa', address: '192.168.0.11', cluster: 'default' };
const iface = (uuid: string, vrf = 'd:p:red:red'): InterfaceConfig => ({
  uuid,
  name: `d:p:${uuid}`,
  macAddress: '02:00:00:00:00:01',
  ipAddresses: ['10.1.0.5'],
  virtualNetwork: 'd:p:red',
  vrf,
  securityGroups: [],
  policyDisabled: false,
  portSecurity: true,
});
const vrf = (name: string): VrfConfig => ({
  name,
  virtualNetwork: name.split(':').slice(0, 3).join(':'),
  virtualNetworkUuid: '',
  networkId: 1,
  vxlanId: 1,
  systemTarget: '',
  importTargets: [],
  exportTargets: [],
  connections: [],
  acl: '',
  clusters: [],
});
const delta = (extra: Partial<ConfigDelta>): ConfigDelta => ({
  full: false,
  position: 1,
  virtualRouter: router,
  interfaces: [],
  removedInterfaces: [],
  vrfs: [],
  removedVrfs: [],
  acls: [],
  removedAcls: [],
  securityGroups: [],
  removedSecurityGroups: [],
  ...extra,
});

describe('applyConfigDelta', () => {
  it('replaces on a full delta, upserts by key, removes what the removed lists name, keeps key order', () => {
    let config = applyConfigDelta(undefined, delta({ full: true, interfaces: [iface('b'), iface('a')], vrfs: [vrf('d:p:red:red')] }));
    expect(config!.interfaces.map((i) => i.uuid)).toEqual(['a', 'b']);
    config = applyConfigDelta(config, delta({ interfaces: [iface('a', 'd:p:blue:blue'), iface('c')], removedInterfaces: ['b'], vrfs: [vrf('d:p:blue:blue')] }));
    expect(config!.interfaces.map((i) => [i.uuid, i.vrf])).toEqual([
      ['a', 'd:p:blue:blue'],
      ['c', 'd:p:red:red'],
    ]);
    expect(config!.vrfs.map((v) => v.name)).toEqual(['d:p:blue:blue', 'd:p:red:red']);
    config = applyConfigDelta(config, delta({ removedVrfs: ['d:p:red:red'], acls: [{ name: 'acl', rules: [] }], securityGroups: [{ uuid: 's', name: 'sg', id: 8000001, rules: [] }] }));
    expect(config!.vrfs.map((v) => v.name)).toEqual(['d:p:blue:blue']);
    expect(config!.acls.map((a) => a.name)).toEqual(['acl']);
    config = applyConfigDelta(config, delta({ full: true, interfaces: [iface('z')] }));
    expect(config).toMatchObject({ interfaces: [{ uuid: 'z' }], vrfs: [], acls: [], securityGroups: [] });
  });

  it('is undefined when the virtual-router is gone (not configured)', () => {
    const config = applyConfigDelta(undefined, delta({ full: true, interfaces: [iface('a')] }));
    expect(applyConfigDelta(config, delta({ virtualRouter: undefined, removedInterfaces: ['a'] }))).toBeUndefined();
  });
});
