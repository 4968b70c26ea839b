import { describe, expect, it } from '@jest/globals';
import { MAX_AGENTS, SimPlan, agentAddress, agentName, vrfName } from './sim-plan.js';

describe('SimPlan', () => {
  it('names agents and gives each a unique 10.255.x.y address', () => {
    expect(agentName('sim-agent-', 7)).toBe('sim-agent-7');
    expect([1, 254, 255, MAX_AGENTS].map(agentAddress)).toEqual(['10.255.0.1', '10.255.0.254', '10.255.1.1', '10.255.255.254']);
    const all = new Set(Array.from({ length: MAX_AGENTS }, (_, k) => agentAddress(k + 1)));
    expect(all.size).toBe(MAX_AGENTS);
  });

  it('names VRFs after their network, as routing does', () => {
    expect(new SimPlan(1, 2, 1).vrfNames()).toEqual([vrfName('sim-vn-1'), 'default-domain:default-project:sim-vn-2:sim-vn-2']);
  });

  it('spreads every agent route over the VRFs once, inside each VN subnet', () => {
    const plan = new SimPlan(7, 3, 5);
    const byVrf = new Map<string, string[]>();
    for (let i = 1; i <= 7; i++) {
      for (const [vrf, prefixes] of plan.routesOf(i)) byVrf.set(vrf, [...(byVrf.get(vrf) ?? []), ...prefixes]);
    }
    expect([1, 2, 3].map((j) => plan.routesIn(j))).toEqual([12, 12, 11]);
    plan.vrfNames().forEach((vrf, k) => {
      expect([...(byVrf.get(vrf) ?? [])].sort()).toEqual(plan.prefixesIn(k + 1).sort());
      for (const prefix of byVrf.get(vrf)!) expect(prefix).toMatch(new RegExp(`^10\\.${k + 1}\\.\\d+\\.\\d+/32$`));
    });
    expect(new Set([...byVrf.values()].flat()).size).toBe(35);
    expect(plan.routesOf(1).get(vrfName('sim-vn-1'))).toEqual(['10.1.1.0/32', '10.1.1.1/32']);
  });

  it('has nothing to publish with no routes', () => {
    const plan = new SimPlan(3, 2, 0);
    expect(plan.routesOf(1).size).toBe(0);
    expect(plan.routesIn(1)).toBe(0);
  });
});
