import {
  RESOURCE_TYPES,
  childTypesOf,
  findProperty,
  findRef,
  isResourceTypeName,
  resourceType,
  resourceTypeByJsonName,
  resourceTypeByPlural,
} from './resource-types.js';
import { RESOURCE_TYPE_NAMES, type ResourceTypeName } from './resource-type-spec.js';
import { shapeOfType } from './property-validators.js';

const ALL = Object.values(RESOURCE_TYPES);

describe('resource type registry', () => {
  it('has one entry per served type, keyed by its REST name', () => {
    expect(Object.keys(RESOURCE_TYPES).sort()).toEqual([...RESOURCE_TYPE_NAMES].sort());
    for (const [key, spec] of Object.entries(RESOURCE_TYPES)) expect(spec.name).toBe(key);
  });

  it.each([
    ['virtual-network', 'virtual-networks', 'virtual_network', 'virtual_networks'],
    ['network-ipam', 'network-ipams', 'network_ipam', 'network_ipams'],
    ['network-policy', 'network-policys', 'network_policy', 'network_policys'],
    ['virtual-machine-interface', 'virtual-machine-interfaces', 'virtual_machine_interface', 'virtual_machine_interfaces'],
    ['instance-ip', 'instance-ips', 'instance_ip', 'instance_ips'],
    ['global-system-config', 'global-system-configs', 'global_system_config', 'global_system_configs'],
    ['virtual-network-router', 'virtual-network-routers', 'virtual_network_router', 'virtual_network_routers'],
    ['cluster', 'clusters', 'cluster', 'clusters'],
  ])('%s is collected at /%s, keyed %s in JSON, listed as %s under its parent', (name, plural, jsonName, childrenKey) => {
    const spec = resourceType(name);
    expect(spec).toMatchObject({ plural, jsonName, childrenKey });
    expect(resourceTypeByPlural(plural)).toBe(spec);
    expect(resourceTypeByJsonName(jsonName)).toBe(spec);
  });

  it('names only served types as parents, and each default parent is one of them (or config-root)', () => {
    for (const spec of ALL) {
      for (const parent of spec.parents) expect(isResourceTypeName(parent)).toBe(true);
      if (spec.implicit) continue;
      const allowed: readonly ResourceTypeName[] = spec.parents.length === 0 ? ['config-root'] : spec.parents;
      expect(allowed).toContain(spec.defaultParent?.type);
    }
  });

  it.each<[ResourceTypeName, string, string[]]>([
    ['global-system-config', 'config-root', []],
    ['domain', 'config-root', []],
    ['project', 'domain', ['default-domain']],
    ['network-ipam', 'project', ['default-domain', 'default-project']],
    ['virtual-network', 'project', ['default-domain', 'default-project']],
    ['network-policy', 'project', ['default-domain', 'default-project']],
    ['security-group', 'project', ['default-domain', 'default-project']],
    ['virtual-machine-interface', 'project', ['default-domain', 'default-project']],
    ['virtual-router', 'global-system-config', ['default-global-system-config']],
    ['virtual-machine', 'config-root', []],
    ['instance-ip', 'config-root', []],
    ['tag', 'config-root', []],
    ['routing-instance', 'virtual-network', ['default-domain', 'default-project', 'default-virtual-network']],
    ['virtual-network-router', 'project', ['default-domain', 'default-project']],
    ['cluster', 'global-system-config', ['default-global-system-config']],
  ])('%s created without a parent goes under %s %j', (name, type, fqName) => {
    expect(RESOURCE_TYPES[name].defaultParent).toEqual({ type, fqName });
  });

  it('hangs virtual-machine, instance-ip and route-target off config-root with no parent of their own', () => {
    for (const name of ['virtual-machine', 'instance-ip', 'route-target'] as const) expect(RESOURCE_TYPES[name].parents).toEqual([]);
    expect(RESOURCE_TYPES['virtual-machine-interface'].parents).toEqual(['project', 'virtual-machine']);
    expect(RESOURCE_TYPES.tag.parents).toEqual(['config-root', 'project']);
  });

  it('marks config-root implicit and the derived types system-only; no user creates them', () => {
    expect(RESOURCE_TYPES['config-root']).toMatchObject({ implicit: true, creatable: false, defaultParent: null });
    for (const name of ['routing-instance', 'route-target'] as const) {
      expect(RESOURCE_TYPES[name]).toMatchObject({ systemOnly: true, creatable: false, implicit: false });
    }
    const creatable = ALL.filter((s) => s.creatable).map((s) => s.name);
    expect(creatable).not.toContain('config-root');
    expect(creatable).toContain('virtual-network');
  });

  it('gives every type the common properties and tag_refs', () => {
    for (const spec of ALL) {
      expect(findProperty(spec, 'id_perms')).toMatchObject({ type: 'IdPermsType', presence: 'system-only' });
      expect(findProperty(spec, 'perms2')).toMatchObject({ type: 'PermType2', presence: 'system-only' });
      expect(findProperty(spec, 'annotations')).toMatchObject({ type: 'KeyValuePairs', collection: 'propm', mapKey: 'key' });
      expect(findProperty(spec, 'display_name')).toMatchObject({ type: 'xsd:string', presence: 'optional' });
      expect(findRef(spec, 'tag_refs')).toMatchObject({ to: 'tag', attrType: null, link: 'object-tag' });
    }
  });

  it('declares no property or ref twice within a type', () => {
    for (const spec of ALL) {
      const keys = [...spec.properties.map((p) => p.name), ...spec.refs.map((r) => r.field)];
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('uses only type names the validators know, for properties and ref attributes alike', () => {
    const unknown: string[] = [];
    for (const spec of ALL) {
      for (const p of spec.properties) if (shapeOfType(p.type) === undefined) unknown.push(`${spec.name}.${p.name}: ${p.type}`);
      for (const r of spec.refs) if (r.attrType !== null && shapeOfType(r.attrType) === undefined) unknown.push(`${spec.name}.${r.field}: ${r.attrType}`);
    }
    expect(unknown).toEqual([]);
  });

  it('derives each ref field from its target type', () => {
    for (const spec of ALL) for (const r of spec.refs) expect(r.field).toBe(`${r.to.replace(/-/g, '_')}_refs`);
    expect(findRef(RESOURCE_TYPES['network-ipam'], 'virtual_DNS_refs')).toBeDefined();
  });

  it('interprets refs only to types it serves', () => {
    for (const spec of ALL) for (const r of spec.refs.filter((x) => x.interpreted)) expect(isResourceTypeName(r.to)).toBe(true);
  });

  describe('virtual-network', () => {
    const vn = RESOURCE_TYPES['virtual-network'];

    it('refs network-ipam with VnSubnetsType subnets and network-policy with a sequence', () => {
      expect(findRef(vn, 'network_ipam_refs')).toEqual({
        to: 'network-ipam',
        field: 'network_ipam_refs',
        link: 'virtual-network-network-ipam',
        attrType: 'VnSubnetsType',
        presence: 'required',
        interpreted: true,
      });
      expect(findRef(vn, 'network_policy_refs')).toMatchObject({ attrType: 'VirtualNetworkPolicyType', interpreted: true });
      expect(findRef(vn, 'virtual_network_refs')).toMatchObject({ link: 'virtual-network-provider-network', interpreted: false });
      expect(findRef(vn, 'cluster_refs')).toMatchObject({ to: 'cluster', attrType: null, interpreted: true });
      expect(findRef(vn, 'qos_config_refs')).toMatchObject({ interpreted: false });
    });

    it('declares every XSD property, with the system-only network id', () => {
      expect(vn.properties.map((p) => p.name)).toEqual(
        expect.arrayContaining([
          'virtual_network_properties',
          'virtual_network_network_id',
          'route_target_list',
          'import_route_target_list',
          'export_route_target_list',
          'is_shared',
          'router_external',
          'fabric_snat',
          'port_security_enabled',
          'address_allocation_mode',
          'provider_properties',
          'virtual_network_fat_flow_protocols',
          'mac_ip_learning_enable',
          'mtu',
        ]),
      );
      expect(findProperty(vn, 'virtual_network_network_id')).toMatchObject({ presence: 'system-only', operations: 'CR', interpreted: true });
      expect(findProperty(vn, 'virtual_network_properties')).toMatchObject({ type: 'VirtualNetworkType', interpreted: true });
      expect(findProperty(vn, 'port_security_enabled')).toMatchObject({ default: true, interpreted: false });
      expect(findProperty(vn, 'virtual_network_fat_flow_protocols')).toMatchObject({ collection: 'propl', collectionField: 'fat_flow_protocol' });
    });
  });

  it('knows the flat-subnet list property of network-ipam', () => {
    expect(findProperty(RESOURCE_TYPES['network-ipam'], 'ipam_subnets')).toMatchObject({
      type: 'IpamSubnets',
      collection: 'propl',
      collectionField: 'subnets',
      operations: 'CRD',
      interpreted: true,
    });
  });

  it('describes our own virtual-network-router and cluster types', () => {
    const vnr = RESOURCE_TYPES['virtual-network-router'];
    expect(vnr).toMatchObject({ origin: 'own', parents: ['project'] });
    expect(findProperty(vnr, 'virtual_network_router_type')).toMatchObject({ type: 'VirtualNetworkRouterType', presence: 'required' });
    expect(findProperty(vnr, 'virtual_network_selector')).toMatchObject({ type: 'LabelSelectorType' });
    expect(findRef(vnr, 'virtual_network_refs')).toMatchObject({ attrType: null, interpreted: true });
    const cluster = RESOURCE_TYPES.cluster;
    expect(cluster).toMatchObject({ origin: 'own', parents: ['global-system-config'] });
    expect(cluster.properties.map((p) => p.name)).toEqual(
      expect.arrayContaining(['cluster_pod_subnets', 'cluster_service_subnets', 'cluster_asn', 'cluster_kubeconfig_ref', 'cluster_attached']),
    );
    expect(findProperty(cluster, 'cluster_attached')).toMatchObject({ default: false });
    expect(RESOURCE_TYPES['virtual-network'].origin).toBe('contrail');
  });

  it('lists the children a GET body of a parent may carry', () => {
    expect(childTypesOf('project').map((s) => s.childrenKey).sort()).toEqual(
      [
        'network_ipams',
        'network_policys',
        'security_groups',
        'tags',
        'virtual_machine_interfaces',
        'virtual_network_routers',
        'virtual_networks',
      ].sort(),
    );
    expect(childTypesOf('virtual-network').map((s) => s.name)).toEqual(['routing-instance']);
    expect(childTypesOf('config-root').map((s) => s.name)).toEqual(
      expect.arrayContaining(['global-system-config', 'domain', 'tag', 'virtual-machine', 'instance-ip', 'route-target']),
    );
  });

  it('answers undefined for types it does not serve', () => {
    expect(resourceType('floating-ip')).toBeUndefined();
    expect(resourceTypeByPlural('floating-ips')).toBeUndefined();
    expect(isResourceTypeName('bgp-router')).toBe(false);
  });
});
