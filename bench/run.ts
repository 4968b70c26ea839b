/**
 * `npm run bench -- <name>`: runs one benchmark (or `all`). Each prints a table and writes bench/results/<name>.json.
 */
const benchmarks: Record<string, () => Promise<unknown>> = {
  'event-store': async () => (await import('./event-store.bench.js')).run(),
  'config-api': async () => (await import('./config-api.bench.js')).run(),
  audit: async () => (await import('./audit.bench.js')).run(),
  control: async () => (await import('./control.bench.js')).run(),
  xmpp: async () => (await import('./xmpp.bench.js')).run(),
  kubemanager: async () => (await import('./kubemanager.bench.js')).run(),
  soak: async () => (await import('./soak.bench.js')).run(),
};

const name = process.argv[2];
if (!name || !(name in benchmarks || name === 'all')) {
  process.stderr.write(`usage: npm run bench -- <${[...Object.keys(benchmarks), 'all'].join(' | ')}>\n`);
  process.exit(2);
}
for (const [key, bench] of Object.entries(benchmarks)) {
  if (name === 'all' || name === key) await bench();
}
