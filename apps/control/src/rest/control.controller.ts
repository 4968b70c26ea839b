import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { DESIRED_STATE, type DesiredStateProjection } from '#libs/projections';
import { ControlPlane, type AgentInfo } from '../control-plane/control-plane.js';

/**
 * Read-only views of the control service for operators: agents and their sessions, each cluster's desired state,
 * a VRF's routing table, and a check that the live desired state equals one rebuilt from the log.
 */
@Controller('control')
export class ControlController {
  constructor(
    @Inject(ControlPlane) private readonly plane: ControlPlane,
    @Inject(DESIRED_STATE) private readonly desired: DesiredStateProjection,
  ) {}

  @Get('agents')
  agents(): { position: number; agents: AgentInfo[] } {
    return { position: this.desired.position, agents: this.plane.agents() };
  }

  @Get('clusters')
  clusters(): { position: number; clusters: string[] } {
    return { position: this.desired.position, clusters: this.desired.clusters() };
  }

  @Get('clusters/:cluster')
  cluster(@Param('cluster') cluster: string): unknown {
    if (!this.desired.clusters().includes(cluster)) {
      throw new NotFoundException(`no cluster named ${JSON.stringify(cluster)}; GET /control/clusters lists them`);
    }
    return this.desired.desiredState(cluster);
  }

  @Get('vrfs/:vrf/routes')
  routes(@Param('vrf') vrf: string): unknown {
    if (!this.plane.tables.hasVrf(vrf)) {
      throw new NotFoundException(`no VRF named ${JSON.stringify(vrf)}`);
    }
    const routes = [...this.plane.tables.table(vrf)].map(([prefix, paths]) => ({ prefix, paths }));
    return { vrf, position: this.desired.position, routes };
  }

  @Get('desired-state/verify')
  verify(): Promise<{ position: number; live: string; rebuilt: string; equal: boolean }> {
    return this.desired.rebuildDigest();
  }
}
