import { helloProblem } from './route-input.js';

// Found by the fuzzer (test/fuzz): a Hello with a 300 KB agent name was refused with the whole name in the status
// details; the trailer was too large for the client, so that call and the others on its connection hung.
describe('helloProblem quotes what it refuses, cut short', () => {
  it.each([
    ['agentName', { agentName: 'a'.repeat(300_000), address: '10.0.0.1', cluster: '' }, /^hello\.agent_name "a{100}"… \(300000 characters\) is not a virtual-router name/],
    ['address', { agentName: 'node-1', address: '1'.repeat(300_000), cluster: '' }, /^hello\.address must be the vRouter's IP address, got "1{100}"… \(300000 characters\)$/],
    ['cluster', { agentName: 'node-1', address: '10.0.0.1', cluster: 'c'.repeat(300_000) }, /^hello\.cluster "c{100}"… \(300000 characters\) is longer than 63 characters$/],
  ])('a huge %s', (_field, hello, message) => {
    const problem = helloProblem(hello)!;
    expect(problem).toMatch(message);
    expect(problem.length).toBeLessThan(300);
  });

  it('quotes a short value whole', () => {
    expect(helloProblem({ agentName: 'bad name', address: '10.0.0.1', cluster: '' })).toBe(
      'hello.agent_name "bad name" is not a virtual-router name (no spaces or colons, at most 255 characters)',
    );
  });
});
