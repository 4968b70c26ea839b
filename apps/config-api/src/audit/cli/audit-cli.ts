import { EnvReader, InvalidConfigError, describeStoreLocation, readDataDir, readStoreConfig, type StoreConfig } from '#libs/config';
import type { EventStore } from '#libs/event-store';
import { openEventStore } from '#libs/platform';
import { EXIT, UsageError, type CliIo } from './cli-args.js';
import { AS_OF_HELP, DIFF_HELP, EXPORT_HELP, IMPORT_HELP, LOG_HELP, MAIN_HELP, VERIFY_HELP } from './cli-help.js';
import type { CommandContext } from './command-context.js';
import { logCommand } from './log-command.js';
import { asOfCommand, diffCommand, verifyCommand } from './state-commands.js';
import { exportCommand, importCommand } from './transfer-commands.js';

type Command = (args: readonly string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  log: { run: logCommand, help: LOG_HELP },
  'as-of': { run: asOfCommand, help: AS_OF_HELP },
  diff: { run: diffCommand, help: DIFF_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
};

/**
 * `npm run audit -- <command> [flags]`: runs one command against the store the environment names (the
 * controller's variables) and answers the exit code. Data goes to stdout, progress and errors to stderr.
 */
export async function runAuditCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const say = (text: string) => void io.stderr.write(`${text}\n`);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    say(`audit: unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')} (see --help)`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }

  let opened: EventStore | undefined;
  let location = '';
  const ctx: CommandContext = {
    io,
    note: say,
    store: async () => {
      if (opened) return opened;
      const config = storeConfigOf(io);
      location = `${config.kind} ${describeStoreLocation(config)}`;
      opened = await openEventStore(config);
      return opened;
    },
  };
  try {
    return await command.run(args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      say(`audit ${error.message}\nRun 'npm run audit -- ${name} --help' for the flags.`);
      return EXIT.usage;
    }
    if (error instanceof InvalidConfigError) {
      say(`audit ${name}: ${error.message}`);
      return EXIT.usage;
    }
    const store = location ? ` (store: ${location})` : '';
    say(`audit ${name} failed${store}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/** STORE, DATA_DIR, DATABASE_URL, KURRENTDB_CONNECTION_STRING, read and checked as the controller reads them. */
function storeConfigOf(io: CliIo): StoreConfig {
  const reader = new EnvReader(io.env);
  const dataDir = readDataDir(reader, io.cwd);
  return reader.finish(readStoreConfig(reader, dataDir));
}
