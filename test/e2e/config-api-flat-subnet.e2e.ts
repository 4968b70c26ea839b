// A flat-subnet IPAM over real HTTP, as contrail-kube-manager sets one up (contrail-config-model.md §4.2): the IPAM
// holds the pod subnet, two VNs link to it without subnets, and their instance-ips share its one address pool.
import { RunningController, errorBody, subnet, tempDataDir, type ConfigApi } from './config-api-support.js';

const PROJECT = ['default-domain', 'flat'];
const POD_IPAM = [...PROJECT, 'pod-ipam'];

describe('config API: a flat-subnet IPAM shared by two virtual networks', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;

  beforeAll(async () => {
    controller = await RunningController.start(dir.path);
    api = controller.api;
    await api.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  it('completes the IPAM subnet, and hands out distinct addresses from it to instance-ips of both networks', async () => {
    const ipam = await api.create('network-ipam', {
      fq_name: POD_IPAM,
      parent_type: 'project',
      ipam_subnet_method: 'flat-subnet',
      ipam_subnets: { subnets: [{ subnet: subnet('10.32.0.0/29') }] },
    });
    const [flat] = (await api.read('network-ipam', ipam.uuid)).ipam_subnets.subnets;
    expect(flat).toMatchObject({ default_gateway: '10.32.0.6', dns_server_address: '10.32.0.5', subnet_uuid: expect.any(String) });

    const network = (name: string) => ({
      fq_name: [...PROJECT, name],
      parent_type: 'project',
      address_allocation_mode: 'flat-subnet-only',
      virtual_network_properties: { forwarding_mode: 'l3' },
      network_ipam_refs: [{ to: POD_IPAM, attr: { ipam_subnets: [] } }],
    });
    const vns = [(await api.create('virtual-network', network('pods-a'))).uuid, (await api.create('virtual-network', network('pods-b'))).uuid];
    const addresses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const vn = vns[i % 2];
      const ip = await api.create('instance-ip', { fq_name: [`flat-ip-${i}`], virtual_network_refs: [{ uuid: vn }] });
      expect(ip).toMatchObject({ subnet_uuid: flat.subnet_uuid });
      addresses.push(ip.instance_ip_address);
    }
    expect(addresses).toEqual(['10.32.0.4', '10.32.0.3', '10.32.0.2', '10.32.0.1']);

    const full = await api.expectNothingWritten(() => api.post('/instance-ips', { 'instance-ip': { fq_name: ['flat-ip-5'], virtual_network_refs: [{ uuid: vns[0] }] } }));
    expect({ status: full.status, body: full.body }).toEqual({ status: 409, body: errorBody(409, 'no free address left in 10.32.0.0/29') });
    const taken = await api.expectNothingWritten(() =>
      api.post('/instance-ips', { 'instance-ip': { fq_name: ['flat-ip-6'], virtual_network_refs: [{ uuid: vns[1] }], instance_ip_address: '10.32.0.4' } }),
    );
    expect({ status: taken.status, body: taken.body }).toEqual({ status: 409, body: errorBody(409, '10.32.0.4 is already allocated') });
  });
});
