// `npm run fuzz -- --seed S --count N --minutes M [--targets rest,grpc,agent,xmpp] [--replay target:inputSeed] [--json]`,
// with FUZZ_SEED, FUZZ_COUNT and FUZZ_MINUTES as defaults.

export const TARGET_NAMES = ['rest', 'grpc', 'agent', 'xmpp'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface FuzzOptions {
  seed: number;
  /** Inputs per target; Infinity when only a time limit was given. */
  count: number;
  /** Time limit in minutes; Infinity when none. */
  minutes: number;
  targets: TargetName[];
  /** One input to run again: its target and own seed. */
  replay?: { target: TargetName; inputSeed: number };
  /** The summary as one JSON line on stdout (the table still goes to stderr). */
  json: boolean;
}

export const USAGE = `usage: npm run fuzz -- [--seed S] [--count N] [--minutes M] [--targets rest,grpc,agent,xmpp] [--replay target:inputSeed] [--json]
  --seed S       the run's seed (default FUZZ_SEED or a random one, printed)
  --count N      inputs per target (default FUZZ_COUNT, or 200 without --minutes)
  --minutes M    stop after M minutes (default FUZZ_MINUTES; with --count, whichever comes first)
  --targets      which targets, comma-separated (default all)
  --replay T:S   run only the input of target T with input seed S (from a finding), and print its outcome
  --json         print the summary as one JSON line on stdout
Exit code: 0 no findings, 1 findings, 2 bad arguments.`;

export class UsageError extends Error {}

/** The options from `argv` (after the script) and `env`; throws UsageError naming the problem. */
export function parseFuzzOptions(argv: readonly string[], env: Record<string, string | undefined>): FuzzOptions {
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    if (!['--seed', '--count', '--minutes', '--targets', '--replay'].includes(name)) throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values.set(name.slice(2), value);
  }
  const seedText = values.get('seed') ?? env.FUZZ_SEED;
  const seed = seedText === undefined ? Math.floor(Math.random() * 2 ** 32) : integer('seed', seedText, 0, 2 ** 32 - 1);
  const minutesText = values.get('minutes') ?? env.FUZZ_MINUTES;
  const minutes = minutesText === undefined ? Infinity : positive('minutes', minutesText);
  const countText = values.get('count') ?? env.FUZZ_COUNT;
  const count = countText !== undefined ? integer('count', countText, 1, 10_000_000) : minutes === Infinity ? 200 : Infinity;
  const targets = (values.get('targets') ?? TARGET_NAMES.join(',')).split(',').map((t) => target(t.trim()));
  let replay: FuzzOptions['replay'];
  const replayText = values.get('replay');
  if (replayText !== undefined) {
    const [name, inputSeed] = replayText.split(':');
    replay = { target: target(name ?? ''), inputSeed: integer('replay input seed', inputSeed ?? '', 0, 2 ** 32 - 1) };
  }
  return { seed, count, minutes, targets: [...new Set(targets)], replay, json };
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not ${JSON.stringify(text)}`);
  return n;
}

function target(name: string): TargetName {
  if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown target ${JSON.stringify(name)}: one of ${TARGET_NAMES.join(', ')}`);
  return name as TargetName;
}

/**
 * The seed of input `index` of `target` in a run of `seed`: each input has its own, so a finding replays alone
 * (`--replay target:inputSeed`) without the inputs before it.
 */
export function inputSeedOf(seed: number, target: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${target}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}
