// Policy rules for test bodies (spec §2).

/** The kube-manager style allow-all rule between two networks (or `local`, `any`): both directions, any port. */
export function passRule(from: string, to: string) {
  return {
    direction: '<>',
    protocol: 'any',
    ethertype: 'IPv4',
    src_addresses: [{ virtual_network: from }],
    src_ports: [{ start_port: -1, end_port: -1 }],
    dst_addresses: [{ virtual_network: to }],
    dst_ports: [{ start_port: -1, end_port: -1 }],
    action_list: { simple_action: 'pass' },
  };
}
