import type { EnvReader } from './env-reader.js';

/**
 * Two listeners on one address cannot share a port; 0 (any free port) never clashes. `ports` maps each port
 * variable to its value, in the order they were read: a clash is reported on the later one, naming the earlier.
 */
export function checkDistinctPorts(reader: EnvReader, ports: Readonly<Record<string, number>>): void {
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (port === 0) continue;
    const other = seen.get(port);
    if (other === undefined) seen.set(port, name);
    else reader.invalid(name, String(port), `a port other than ${other}'s (${port}): every listener needs its own port`);
  }
}
