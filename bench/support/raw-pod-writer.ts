/**
 * The raw baseline of the kubemanager benchmark: a plain ConfigService gRPC client writing, per pod, the objects a
 * kubemanager writes (docs/kubemanager.md §3: virtual-machine, virtual-machine-interface bound to the node with
 * host_id and referring the VM, network and security group, instance-ip on the network), with the same field set
 * and the same number of annotation pairs, in the same order (parents and ref targets first), one after the other.
 * No watch, no cache, no mapping, no plan, no write-back.
 */
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ConfigServiceClient, CreateRequest, DeleteRequest } from '#libs/proto';

export interface RawPod {
  cluster: string;
  /** `<name>__<uid>`: the interface's and instance-ip's name, as the kubemanager names a pod's. */
  key: string;
  name: string;
  uid: string;
  vmiUuid: string;
  instanceIpUuid: string;
  host: string;
  network: string[];
  securityGroup: string[];
  project: string[];
}

type Json = Record<string, unknown>;

export class RawPodWriter {
  private readonly client: ConfigServiceClient;

  constructor(address: string) {
    this.client = new ConfigServiceClient(address, credentials.createInsecure(), {});
  }

  static pod(cluster: string, name: string, host: string, network: string[], securityGroup: string[]): RawPod {
    const uid = randomUUID();
    return { cluster, key: `${name}__${uid}`, name, uid, vmiUuid: randomUUID(), instanceIpUuid: randomUUID(), host, network, securityGroup, project: network.slice(0, 2) };
  }

  /** The three objects, parents and ref targets first; resolves when the instance-ip is created. */
  async create(pod: RawPod): Promise<void> {
    // Not owner=k8s: no kubemanager takes these for its own (docs/kubemanager.md §1), with as many pairs as it writes.
    const annotations = {
      key_value_pair: [
        { key: 'cluster', value: pod.cluster },
        { key: 'k8s_uuid', value: pod.uid },
        { key: 'kind', value: 'Pod' },
        { key: 'name', value: pod.name },
        { key: 'namespace', value: 'default' },
        { key: 'owner', value: 'bench' },
      ],
    };
    const machine = [`raw__${pod.cluster}__default__${pod.name}`];
    const vmi = [...pod.project, pod.key];
    await this.createObject('virtual-machine', { uuid: pod.uid, fq_name: machine, annotations, server_type: 'container' });
    await this.createObject('virtual-machine-interface', {
      uuid: pod.vmiUuid,
      fq_name: vmi,
      parent_type: 'project',
      annotations,
      virtual_machine_refs: [{ to: machine }],
      virtual_network_refs: [{ to: pod.network }],
      virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: pod.host }] },
      security_group_refs: [{ to: pod.securityGroup }],
    });
    await this.createObject('instance-ip', {
      uuid: pod.instanceIpUuid,
      fq_name: [pod.key],
      annotations,
      virtual_network_refs: [{ to: pod.network }],
      virtual_machine_interface_refs: [{ to: vmi }],
    });
  }

  /** Children first, as the kubemanager deletes. */
  async delete(pod: RawPod): Promise<void> {
    await this.deleteObject('instance-ip', pod.instanceIpUuid);
    await this.deleteObject('virtual-machine-interface', pod.vmiUuid);
    await this.deleteObject('virtual-machine', pod.uid);
  }

  close(): void {
    this.client.close();
  }

  private createObject(type: string, object: Json): Promise<void> {
    const request = CreateRequest.fromPartial({ type, objectJson: JSON.stringify({ [type]: object }) });
    return new Promise((resolve, reject) =>
      this.client.create(request, actor(), (error: ServiceError | null) => (error ? reject(new Error(`create ${type}: ${error.details}`)) : resolve())),
    );
  }

  private deleteObject(type: string, uuid: string): Promise<void> {
    const request = DeleteRequest.fromPartial({ type, uuid });
    return new Promise((resolve, reject) =>
      this.client.delete(request, actor(), (error: ServiceError | null) => (error ? reject(new Error(`delete ${type} ${uuid}: ${error.details}`)) : resolve())),
    );
  }
}

function actor(): Metadata {
  const metadata = new Metadata();
  metadata.set('x-actor', 'bench:raw');
  return metadata;
}

