import type { JsonValue, RecordedEvent } from '#libs/event-store';
import { EVENT_QUERY_PARAMETERS, MAX_EVENT_PAGE, parseEventFilter } from '../event-filter.js';
import { scanEvents } from '../event-scan.js';
import { exportLine } from '../log-export.js';
import { EXIT, UsageError, asUsage, booleanFlag, parseFlags, stringFlag, stringsFlag, write } from './cli-args.js';
import type { CommandContext } from './command-context.js';

const FLAGS = {
  stream: { type: 'string' },
  uuid: { type: 'string' },
  type: { type: 'string', multiple: true },
  'fq-name': { type: 'string' },
  'object-type': { type: 'string' },
  actor: { type: 'string' },
  source: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  after: { type: 'string' },
  before: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `audit log`: every matching event, in pages of the shared scanner, without the server's per-request bound. */
export async function logCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('log', args, FLAGS);
  const raw: Record<string, string> = {};
  for (const name of EVENT_QUERY_PARAMETERS) {
    if (name === 'limit') continue;
    const flag = name.replace(/_/g, '-');
    const value = name === 'type' ? stringsFlag(flags, flag).join(',') : stringFlag(flags, flag);
    if (value) raw[name] = value;
  }
  const filter = asUsage('log', () => parseEventFilter(raw));
  const limitText = stringFlag(flags, 'limit');
  const limit = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText);
  if (limitText !== undefined && !(/^\d+$/.test(limitText) && Number.isSafeInteger(limit) && limit >= 1)) {
    throw new UsageError(`log: --limit must be an integer >= 1 (the most events to print), not ${JSON.stringify(limitText)}`);
  }
  const json = booleanFlag(flags, 'json');

  const store = await ctx.store();
  const out = ctx.io.stdout;
  let printed = 0;
  let after = filter.after;
  for (;;) {
    const pageSize = Math.min(MAX_EVENT_PAGE, limit - printed);
    const page = await scanEvents(store, { filter: { ...filter, after }, limit: pageSize }, { budget: Number.POSITIVE_INFINITY });
    if (page.events.length > 0) {
      const lines = page.events.map((e) => (json ? exportLine(e) : columnsOf(e)));
      if (printed === 0 && !json) lines.unshift(HEADER);
      await write(out, `${lines.join('\n')}\n`);
      printed += page.events.length;
    }
    if (page.next === null || printed >= limit) break;
    after = page.next;
  }
  if (printed === 0) ctx.note('no event matches the filters');
  return EXIT.ok;
}

const HEADER = columns('POSITION', 'RECORDED AT', 'ACTOR', 'SOURCE', 'TYPE', 'STREAM', 'WHAT');

/** One event in columns: position, time, actor, source, type, stream, then what the event names. */
export function columnsOf(event: RecordedEvent): string {
  const { actor, source } = event.metadata;
  return columns(
    String(event.globalPosition),
    event.recordedAt,
    typeof actor === 'string' ? actor : '-',
    typeof source === 'string' ? source : '-',
    event.type,
    event.streamId,
    whatOf(event.data),
  );
}

function columns(position: string, at: string, actor: string, source: string, type: string, stream: string, what: string): string {
  return `${position.padStart(8)}  ${at.padEnd(24)}  ${actor.padEnd(16)}  ${source.padEnd(10)}  ${type.padEnd(30)}  ${stream}${what ? `  ${what}` : ''}`;
}

/** The object's name, or the number or address allocated and to whom. */
function whatOf(data: JsonValue): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return '';
  if (Array.isArray(data.fq_name)) return data.fq_name.join(':');
  const owner = typeof data.owner === 'string' ? ` -> ${data.owner}` : '';
  if (data.pool !== undefined && data.number !== undefined) return `${String(data.pool)} ${String(data.number)}${owner}`;
  if (typeof data.address === 'string') return `${data.address}${owner}`;
  return '';
}
