/** What the mapping needs from the config side; the runtime answers from the owned objects it keeps. */
export interface MappingContext {
  /** The workload cluster's name C (a DNS label). */
  cluster: string;
  /** The cluster's `cluster_pod_subnets` and `cluster_service_subnets`, CIDR strings. */
  podSubnets: string[];
  serviceSubnets: string[];
  /**
   * The addresses the controller allocated to an interface, from the owned instance-ips of pods that ref it (not
   * Service VIPs, which ref their backends' interfaces too), sorted; [] while it has none.
   */
  addressesOf(vmiUuid: string): string[];
  /** The interface's first MAC address, once the controller has given it one. */
  macOf(vmiUuid: string): string | undefined;
  /** Whether a virtual network with this fq_name exists in the config (networks named by annotations). */
  networkExists(fqName: string[]): boolean;
}
