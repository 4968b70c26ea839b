import { InvalidConfigError, type ConfigProblem, type Environment } from '#libs/config';
import { loadConfigApiServiceConfig } from './config-api-service-config.js';

const cwd = '/srv/contrail';

function load(env: Environment) {
  return loadConfigApiServiceConfig(env, { cwd });
}

/** The problems `env` is rejected with; fails the test when it is accepted. */
function problemsOf(env: Environment): readonly ConfigProblem[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

function onlyProblem(env: Environment): ConfigProblem {
  const problems = problemsOf(env);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('loadConfigApiServiceConfig', () => {
  describe('accepts', () => {
    it('an empty environment, with every default', () => {
      expect(load({})).toEqual({
        bindAddress: '127.0.0.1',
        rest: { port: 8082, bodyLimitBytes: 1048576 },
        grpc: { port: 50051, maxMessageBytes: 4194304 },
        dataDir: '/srv/contrail/data',
        store: { kind: 'sqlite', path: '/srv/contrail/data/events.db' },
        checkpoints: { dir: '/srv/contrail/data/checkpoints', every: 10000 },
        audit: { snapshotEvery: 50000 },
        idempotency: { windowMs: 3_600_000, maxRecords: 100_000 },
        lists: { maxPage: 10000, maxUnpaged: 100000 },
        logLevel: 'info',
        shutdownTimeoutMs: 10000,
        // Loopback and no credential file: anonymous callers are admins (libs/security auth-settings.spec.ts).
        auth: expect.objectContaining({ anonymous: 'admin', anonymousSource: 'default', files: {} }),
      });
    });

    it('every variable set to a good value', () => {
      expect(
        load({
          BIND_ADDRESS: '0.0.0.0',
          REST_PORT: '18082',
          REST_BODY_LIMIT_BYTES: '2097152',
          GRPC_PORT: '15051',
          GRPC_MAX_MESSAGE_BYTES: '65536',
          LIST_MAX_PAGE: '100',
          LIST_MAX_UNPAGED: '2000',
          STORE: 'postgres',
          DATABASE_URL: 'postgres://contrail:pw@db:5432/contrail',
          DATA_DIR: '/var/lib/contrail',
          CHECKPOINT_EVERY: '500',
          AUDIT_SNAPSHOT_EVERY: '1000',
          IDEMPOTENCY_WINDOW_S: '0',
          IDEMPOTENCY_MAX_KEYS: '0',
          LOG_LEVEL: 'debug',
          SHUTDOWN_TIMEOUT_MS: '2500',
        }),
      ).toEqual({
        bindAddress: '0.0.0.0',
        rest: { port: 18082, bodyLimitBytes: 2097152 },
        grpc: { port: 15051, maxMessageBytes: 65536 },
        dataDir: '/var/lib/contrail',
        store: { kind: 'postgres', connectionString: 'postgres://contrail:pw@db:5432/contrail' },
        checkpoints: { dir: '/var/lib/contrail/checkpoints', every: 500 },
        audit: { snapshotEvery: 1000 },
        idempotency: { windowMs: 0, maxRecords: 0 },
        lists: { maxPage: 100, maxUnpaged: 2000 },
        logLevel: 'debug',
        shutdownTimeoutMs: 2500,
        // Not loopback: anonymous access is off unless AUTH_ANONYMOUS says otherwise.
        auth: expect.objectContaining({ anonymous: 'off', files: {} }),
      });
    });

    it('port 0 (any free port) for both listeners', () => {
      const config = load({ REST_PORT: '0', GRPC_PORT: '0' });
      expect([config.rest.port, config.grpc.port]).toEqual([0, 0]);
    });

    it('the control service\'s and the XMPP bridge\'s variables, ignored: this process has neither', () => {
      const config = load({
        XMPP_PORT: 'nonsense',
        XMPP_HOLD_TIME_S: '0',
        XMPP_MAX_STANZA_BYTES: 'big',
        AGENT_WINDOW: '0',
        AGENT_HOLD_TIME_MS: 'soon',
        AGENT_MAX_SESSIONS_PER_ADDRESS: '-1',
        AGENT_CONNECT_RATE: 'fast',
        REST_PORT: '5269',
      });
      expect(config.rest.port).toBe(5269);
      expect(config).not.toHaveProperty('xmpp');
      expect(config).not.toHaveProperty('control');
    });

    it('an empty or blank value as unset, and blanks around a value', () => {
      const config = load({ REST_PORT: '', GRPC_PORT: '   ', LOG_LEVEL: ' warn ' });
      expect([config.rest.port, config.grpc.port, config.logLevel]).toEqual([8082, 50051, 'warn']);
    });

    it('a relative DATA_DIR, resolved against the working directory', () => {
      expect(load({ DATA_DIR: 'state' }).store).toEqual({ kind: 'sqlite', path: '/srv/contrail/state/events.db' });
    });

    it('STORE=kurrentdb, without checkpoints; CHECKPOINT_EVERY=0 turns them off', () => {
      const kurrent = load({ STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'kurrentdb://node:2113?tls=false' });
      expect(kurrent.store).toEqual({ kind: 'kurrentdb', connectionString: 'kurrentdb://node:2113?tls=false' });
      expect(kurrent.checkpoints).toBeUndefined();
      expect(load({ CHECKPOINT_EVERY: '0' }).checkpoints).toBeUndefined();
    });
  });

  describe('rejects', () => {
    it.each(['REST_PORT', 'GRPC_PORT'])('%s that is not an integer from 0 to 65535', (variable) => {
      for (const bad of ['abc', '-1', '65536', '80.5', '0x50']) {
        expect(onlyProblem({ [variable]: bad })).toEqual({
          variable,
          value: bad,
          message: `${variable}=${JSON.stringify(bad)} is not allowed: expected an integer from 0 to 65535 (0 = any free port)`,
        });
      }
    });

    it('REST_PORT and GRPC_PORT on the same port, also when one is the other\'s default', () => {
      expect(onlyProblem({ REST_PORT: '9000', GRPC_PORT: '9000' })).toEqual({
        variable: 'GRPC_PORT',
        value: '9000',
        message: `GRPC_PORT="9000" is not allowed: expected a port other than REST_PORT's (9000): every listener needs its own port`,
      });
      expect(onlyProblem({ GRPC_PORT: '8082' }).variable).toBe('GRPC_PORT');
    });

    it.each([
      ['BIND_ADDRESS', 'http://0.0.0.0', 'an IP address or host name to listen on'],
      ['REST_BODY_LIMIT_BYTES', '0', 'an integer from 1 to 1073741824 (bytes)'],
      ['STORE', 'mysql', 'one of sqlite, postgres, kurrentdb'],
      ['CHECKPOINT_EVERY', 'often', 'an integer from 0 to 100000000'],
      ['AUDIT_SNAPSHOT_EVERY', '0', 'an integer from 1 to 100000000 (events between snapshots)'],
      ['LOG_LEVEL', 'verbose', 'one of fatal, error, warn, info, debug, trace'],
      ['SHUTDOWN_TIMEOUT_MS', '10s', 'an integer from 0 to 3600000 (milliseconds)'],
      ['GRPC_MAX_MESSAGE_BYTES', '0', 'an integer from 1024 to 1073741824 (bytes)'],
      ['LIST_MAX_PAGE', '1000001', 'an integer from 1 to 1000000 (objects per page)'],
      ['LIST_MAX_UNPAGED', 'all', 'an integer from 0 to 100000000 (objects a list without page_limit answers, 0 = no limit)'],
    ])('%s=%s', (variable, bad, expected) => {
      const problem = onlyProblem({ [variable]: bad });
      expect(problem.variable).toBe(variable);
      expect(problem.message).toContain(`${variable}=${JSON.stringify(bad)} is not allowed: expected ${expected}`);
    });

    it('STORE=postgres without DATABASE_URL, and a DATABASE_URL that is not postgres, password masked', () => {
      expect(onlyProblem({ STORE: 'postgres' })).toEqual({
        variable: 'DATABASE_URL',
        message: 'DATABASE_URL is not set: it is required when STORE=postgres: a URL starting with postgres://, postgresql://',
      });
      const problem = onlyProblem({ STORE: 'postgres', DATABASE_URL: 'mysql://root:hunter2@db/contrail' });
      expect(problem.value).toBe('mysql://root:***@db/contrail');
      expect(problem.message).not.toContain('hunter2');
    });

    it('STORE=kurrentdb without KURRENTDB_CONNECTION_STRING', () => {
      expect(onlyProblem({ STORE: 'kurrentdb' }).variable).toBe('KURRENTDB_CONNECTION_STRING');
    });
  });

  it('reports every problem at once, in the order the variables are read', () => {
    const problems = problemsOf({
      BIND_ADDRESS: '!',
      REST_PORT: 'abc',
      REST_BODY_LIMIT_BYTES: '1mb',
      GRPC_PORT: '70000',
      STORE: 'postgres',
      CHECKPOINT_EVERY: '-1',
      AUDIT_SNAPSHOT_EVERY: 'often',
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT_MS: 'never',
    });
    expect(problems.map((p) => p.variable)).toEqual([
      'BIND_ADDRESS',
      'REST_PORT',
      'REST_BODY_LIMIT_BYTES',
      'GRPC_PORT',
      'DATABASE_URL',
      'CHECKPOINT_EVERY',
      'AUDIT_SNAPSHOT_EVERY',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
  });

  it('builds an error message listing each problem on its own line', () => {
    expect(() => load({ GRPC_PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(
      [
        'invalid configuration (2 problems):',
        '  GRPC_PORT="abc" is not allowed: expected an integer from 0 to 65535 (0 = any free port)',
        '  LOG_LEVEL="loud" is not allowed: expected one of fatal, error, warn, info, debug, trace',
      ].join('\n'),
    );
  });
});
