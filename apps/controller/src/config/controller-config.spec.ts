import { InvalidConfigError, type ConfigProblem, type Environment } from '#libs/config';
import { loadControllerConfig } from './controller-config.js';

const cwd = '/srv/contrail';

function load(env: Environment) {
  return loadControllerConfig(env, { cwd });
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
  return problems[0];
}

describe('loadControllerConfig', () => {
  describe('accepts', () => {
    it('an empty environment, with every default', () => {
      expect(load({})).toEqual({
        bindAddress: '127.0.0.1',
        rest: { port: 8082, bodyLimitBytes: 1048576 },
        grpc: { port: 50051, maxMessageBytes: 4194304 },
        xmpp: { port: 5269, holdTimeSeconds: 90, maxStanzaBytes: 1048576 },
        dataDir: '/srv/contrail/data',
        store: { kind: 'sqlite', path: '/srv/contrail/data/events.db' },
        checkpoints: { dir: '/srv/contrail/data/checkpoints', every: 10000 },
        audit: { snapshotEvery: 50000 },
        idempotency: { windowMs: 3_600_000, maxRecords: 100_000 },
        lists: { maxPage: 10000, maxUnpaged: 100000 },
        control: {
          holdTimeMs: 60000,
          window: 32,
          maxBatchRoutes: 256,
          maxPendingRoutes: 1000000,
          maxSessionsPerAddress: 64,
          connectRate: 1000,
          connectBurst: 2000,
          agentIdentity: 'any',
        },
        kubemanagers: { resyncMs: 120000 },
        logLevel: 'info',
        shutdownTimeoutMs: 10000,
        // Loopback and no credential file: anonymous callers are admins (libs/security auth-settings.spec.ts).
        auth: expect.objectContaining({ anonymous: 'admin', anonymousSource: 'default', files: {} }),
      });
    });

    it('every variable set to a good value', () => {
      const config = load({
        BIND_ADDRESS: '0.0.0.0',
        REST_PORT: '18082',
        REST_BODY_LIMIT_BYTES: '2097152',
        GRPC_PORT: '15051',
        XMPP_PORT: '15269',
        DATA_DIR: '/var/lib/contrail',
        LOG_LEVEL: 'debug',
        SHUTDOWN_TIMEOUT_MS: '2500',
        CHECKPOINT_EVERY: '500',
        AUDIT_SNAPSHOT_EVERY: '1000',
        IDEMPOTENCY_WINDOW_S: '600',
        IDEMPOTENCY_MAX_KEYS: '5000',
        AGENT_HOLD_TIME_MS: '1500',
        AGENT_WINDOW: '8',
        AGENT_BATCH_ROUTES: '64',
        AGENT_MAX_PENDING: '5000',
        AGENT_MAX_SESSIONS_PER_ADDRESS: '0',
        AGENT_CONNECT_RATE: '50',
        AGENT_CONNECT_BURST: '10',
        GRPC_MAX_MESSAGE_BYTES: '1024',
        LIST_MAX_PAGE: '500',
        LIST_MAX_UNPAGED: '0',
        XMPP_HOLD_TIME_S: '9',
        XMPP_MAX_STANZA_BYTES: '65536',
        KUBEMANAGER_RESYNC_MS: '5000',
      });
      expect(config).toEqual({
        bindAddress: '0.0.0.0',
        rest: { port: 18082, bodyLimitBytes: 2097152 },
        grpc: { port: 15051, maxMessageBytes: 1024 },
        xmpp: { port: 15269, holdTimeSeconds: 9, maxStanzaBytes: 65536 },
        dataDir: '/var/lib/contrail',
        store: { kind: 'sqlite', path: '/var/lib/contrail/events.db' },
        checkpoints: { dir: '/var/lib/contrail/checkpoints', every: 500 },
        audit: { snapshotEvery: 1000 },
        idempotency: { windowMs: 600_000, maxRecords: 5000 },
        lists: { maxPage: 500, maxUnpaged: 0 },
        control: {
          holdTimeMs: 1500,
          window: 8,
          maxBatchRoutes: 64,
          maxPendingRoutes: 5000,
          maxSessionsPerAddress: 0,
          connectRate: 50,
          connectBurst: 10,
          agentIdentity: 'any',
        },
        kubemanagers: { resyncMs: 5000 },
        logLevel: 'debug',
        shutdownTimeoutMs: 2500,
        // Not loopback: anonymous access is off unless AUTH_ANONYMOUS says otherwise.
        auth: expect.objectContaining({ anonymous: 'off', files: {} }),
      });
    });

    it('port 0 (any free port) for every listener, more than once', () => {
      const config = load({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0' });
      expect([config.rest.port, config.grpc.port, config.xmpp.port]).toEqual([0, 0, 0]);
    });

    it('the highest port and blanks around a value', () => {
      expect(load({ REST_PORT: ' 65535 ' }).rest.port).toBe(65535);
    });

    it('an empty or blank value as unset', () => {
      const config = load({ REST_PORT: '', GRPC_PORT: '   ', STORE: '' });
      expect(config.rest.port).toBe(8082);
      expect(config.grpc.port).toBe(50051);
      expect(config.store.kind).toBe('sqlite');
    });

    it.each(['::', '::1', '127.0.0.1', 'localhost', 'controller.contrail.svc.cluster.local'])('BIND_ADDRESS=%s', (address) => {
      expect(load({ BIND_ADDRESS: address }).bindAddress).toBe(address);
    });

    it('a relative DATA_DIR, resolved against the working directory', () => {
      expect(load({ DATA_DIR: 'state' }).store).toEqual({ kind: 'sqlite', path: '/srv/contrail/state/events.db' });
    });

    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])('LOG_LEVEL=%s', (level) => {
      expect(load({ LOG_LEVEL: level }).logLevel).toBe(level);
    });

    it.each(['postgres://contrail:pw@db:5432/contrail', 'postgresql://db/contrail?sslmode=require'])('STORE=postgres with DATABASE_URL=%s', (url) => {
      expect(load({ STORE: 'postgres', DATABASE_URL: url }).store).toEqual({ kind: 'postgres', connectionString: url });
    });

    it.each(['kurrentdb://localhost:2113?tls=false', 'kurrentdb+discover://admin:changeit@cluster.dns:2113', 'esdb://node:2113'])(
      'STORE=kurrentdb with KURRENTDB_CONNECTION_STRING=%s',
      (connectionString) => {
        expect(load({ STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: connectionString }).store).toEqual({ kind: 'kurrentdb', connectionString });
      },
    );

    it('the variables of a store not chosen, unchecked', () => {
      expect(load({ STORE: 'sqlite', DATABASE_URL: 'nonsense', KURRENTDB_CONNECTION_STRING: 'nonsense' }).store.kind).toBe('sqlite');
    });

    it('CHECKPOINT_EVERY=0 (no checkpoints), and none for KurrentDB; PostgreSQL keeps them in DATA_DIR', () => {
      expect(load({ CHECKPOINT_EVERY: '0' }).checkpoints).toBeUndefined();
      expect(load({ STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'kurrentdb://node:2113' }).checkpoints).toBeUndefined();
      expect(load({ STORE: 'postgres', DATABASE_URL: 'postgres://db/x', DATA_DIR: '/d' }).checkpoints).toEqual({ dir: '/d/checkpoints', every: 10000 });
    });

    it('SHUTDOWN_TIMEOUT_MS=0 (cut open requests at once)', () => {
      expect(load({ SHUTDOWN_TIMEOUT_MS: '0' }).shutdownTimeoutMs).toBe(0);
    });
  });

  describe('rejects', () => {
    it.each(['REST_PORT', 'GRPC_PORT', 'XMPP_PORT'])('%s that is not an integer from 0 to 65535', (variable) => {
      for (const bad of ['abc', '-1', '65536', '80.5', '1e3', '0x50', '8082tcp']) {
        const problem = onlyProblem({ [variable]: bad });
        expect(problem.variable).toBe(variable);
        expect(problem.value).toBe(bad);
        expect(problem.message).toBe(`${variable}=${JSON.stringify(bad)} is not allowed: expected an integer from 0 to 65535 (0 = any free port)`);
      }
    });

    it('BIND_ADDRESS that is neither an IP address nor a host name', () => {
      for (const bad of ['not an address', '256.1.1.1:80', 'http://0.0.0.0', '-host']) {
        const problem = onlyProblem({ BIND_ADDRESS: bad });
        expect(problem.variable).toBe('BIND_ADDRESS');
        expect(problem.message).toContain(`BIND_ADDRESS=${JSON.stringify(bad)} is not allowed`);
        expect(problem.message).toContain('0.0.0.0');
      }
    });

    it('STORE that is not a known store', () => {
      expect(onlyProblem({ STORE: 'mysql' })).toEqual({
        variable: 'STORE',
        value: 'mysql',
        message: 'STORE="mysql" is not allowed: expected one of sqlite, postgres, kurrentdb',
      });
    });

    it('STORE in another case (values are exact)', () => {
      expect(onlyProblem({ STORE: 'SQLite' }).variable).toBe('STORE');
    });

    it('STORE=postgres without DATABASE_URL', () => {
      expect(onlyProblem({ STORE: 'postgres' })).toEqual({
        variable: 'DATABASE_URL',
        message: 'DATABASE_URL is not set: it is required when STORE=postgres: a URL starting with postgres://, postgresql://',
      });
    });

    it('a DATABASE_URL that is not a postgres URL, with its password masked', () => {
      const problem = onlyProblem({ STORE: 'postgres', DATABASE_URL: 'mysql://root:hunter2@db/contrail' });
      expect(problem.variable).toBe('DATABASE_URL');
      expect(problem.value).toBe('mysql://root:***@db/contrail');
      expect(problem.message).not.toContain('hunter2');
      expect(problem.message).toContain('expected a URL starting with postgres://, postgresql://');
    });

    it('STORE=kurrentdb without KURRENTDB_CONNECTION_STRING', () => {
      const problem = onlyProblem({ STORE: 'kurrentdb' });
      expect(problem.variable).toBe('KURRENTDB_CONNECTION_STRING');
      expect(problem.message).toContain('is required when STORE=kurrentdb');
    });

    it('a KURRENTDB_CONNECTION_STRING with an unknown scheme', () => {
      const problem = onlyProblem({ STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'tcp://admin:changeit@node:1113' });
      expect(problem.value).toBe('tcp://admin:***@node:1113');
      expect(problem.message).toContain('kurrentdb://');
    });

    it('LOG_LEVEL that pino does not know', () => {
      expect(onlyProblem({ LOG_LEVEL: 'verbose' }).message).toBe(
        'LOG_LEVEL="verbose" is not allowed: expected one of fatal, error, warn, info, debug, trace',
      );
    });

    it.each(['-1', 'soon', '10s', '3600001'])('SHUTDOWN_TIMEOUT_MS=%s', (bad) => {
      expect(onlyProblem({ SHUTDOWN_TIMEOUT_MS: bad }).message).toBe(
        `SHUTDOWN_TIMEOUT_MS=${JSON.stringify(bad)} is not allowed: expected an integer from 0 to 3600000 (milliseconds)`,
      );
    });

    it.each([
      ['AGENT_HOLD_TIME_MS', '99', 'an integer from 100 to 3600000 (milliseconds)'],
      ['AGENT_HOLD_TIME_MS', 'soon', 'an integer from 100 to 3600000 (milliseconds)'],
      ['AGENT_WINDOW', '0', 'an integer from 1 to 4096 (messages)'],
      ['AGENT_BATCH_ROUTES', '10001', 'an integer from 1 to 10000 (routes per message)'],
      ['AGENT_MAX_PENDING', '-1', 'an integer from 0 to 1000000000 (route updates waiting for one agent, 0 = no limit)'],
      ['AGENT_MAX_PENDING', 'lots', 'an integer from 0 to 1000000000 (route updates waiting for one agent, 0 = no limit)'],
      ['AGENT_MAX_SESSIONS_PER_ADDRESS', '1000001', 'an integer from 0 to 1000000 (live agent sessions from one source address, 0 = no limit)'],
      ['AGENT_CONNECT_RATE', '2.5', 'an integer from 0 to 1000000 (new agent sessions a second, 0 = not paced)'],
      ['AGENT_CONNECT_BURST', '0', 'an integer from 1 to 1000000 (new agent sessions at once)'],
      ['GRPC_MAX_MESSAGE_BYTES', '1023', 'an integer from 1024 to 1073741824 (bytes)'],
      ['GRPC_MAX_MESSAGE_BYTES', '4MiB', 'an integer from 1024 to 1073741824 (bytes)'],
      ['LIST_MAX_PAGE', '0', 'an integer from 1 to 1000000 (objects per page)'],
      ['LIST_MAX_UNPAGED', '-1', 'an integer from 0 to 100000000 (objects a list without page_limit answers, 0 = no limit)'],
      ['XMPP_HOLD_TIME_S', '2', 'an integer from 3 to 3600 (seconds)'],
      ['XMPP_HOLD_TIME_S', '90s', 'an integer from 3 to 3600 (seconds)'],
      ['XMPP_MAX_STANZA_BYTES', '4095', 'an integer from 4096 to 268435456 (bytes)'],
    ])('%s=%s', (name, bad, expected) => {
      expect(onlyProblem({ [name]: bad }).message).toBe(`${name}=${JSON.stringify(bad)} is not allowed: expected ${expected}`);
    });

    it.each(['-1', 'often', '1e4', '100000001'])('CHECKPOINT_EVERY=%s', (bad) => {
      expect(onlyProblem({ CHECKPOINT_EVERY: bad }).message).toBe(
        `CHECKPOINT_EVERY=${JSON.stringify(bad)} is not allowed: expected an integer from 0 to 100000000 (events between two checkpoints of a projection, 0 = no checkpoints)`,
      );
    });

    it.each(['0', '-1', 'often', '5e4', '100000001'])('AUDIT_SNAPSHOT_EVERY=%s', (bad) => {
      expect(onlyProblem({ AUDIT_SNAPSHOT_EVERY: bad }).message).toBe(
        `AUDIT_SNAPSHOT_EVERY=${JSON.stringify(bad)} is not allowed: expected an integer from 1 to 100000000 (events between snapshots)`,
      );
    });

    it('AGENT_IDENTITY=certificate without TLS and a client CA', () => {
      expect(onlyProblem({ AGENT_IDENTITY: 'certificate' }).message).toBe(
        'AGENT_IDENTITY="certificate" is not allowed: expected any unless TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE are set and TLS_CLIENT_AUTH is not none: agents prove their names with client certificates',
      );
    });

    it('AGENT_IDENTITY=cn', () => {
      expect(onlyProblem({ AGENT_IDENTITY: 'cn' }).message).toBe('AGENT_IDENTITY="cn" is not allowed: expected one of any, certificate');
    });

    it.each(['-1', 'an hour', '604801'])('IDEMPOTENCY_WINDOW_S=%s', (bad) => {
      expect(onlyProblem({ IDEMPOTENCY_WINDOW_S: bad }).message).toBe(
        `IDEMPOTENCY_WINDOW_S=${JSON.stringify(bad)} is not allowed: expected an integer from 0 to 604800 (seconds an Idempotency-Key is remembered)`,
      );
    });

    it.each(['-1', '1e3', '10000001'])('IDEMPOTENCY_MAX_KEYS=%s', (bad) => {
      expect(onlyProblem({ IDEMPOTENCY_MAX_KEYS: bad }).variable).toBe('IDEMPOTENCY_MAX_KEYS');
    });

    it.each(['0', '1mb', '-5'])('REST_BODY_LIMIT_BYTES=%s', (bad) => {
      expect(onlyProblem({ REST_BODY_LIMIT_BYTES: bad }).variable).toBe('REST_BODY_LIMIT_BYTES');
    });

    it('two listeners on the same port', () => {
      expect(onlyProblem({ REST_PORT: '9000', GRPC_PORT: '9000' })).toEqual({
        variable: 'GRPC_PORT',
        value: '9000',
        message: `GRPC_PORT="9000" is not allowed: expected a port other than REST_PORT's (9000): every listener needs its own port`,
      });
    });

    it('a port that is the default of another listener', () => {
      expect(onlyProblem({ XMPP_PORT: '8082' }).variable).toBe('XMPP_PORT');
    });
  });

  it('reports every problem at once, in the order the variables are read', () => {
    const problems = problemsOf({
      REST_PORT: 'abc',
      GRPC_PORT: '70000',
      BIND_ADDRESS: '!',
      STORE: 'postgres',
      LOG_LEVEL: 'loud',
      SHUTDOWN_TIMEOUT_MS: 'never',
      AUDIT_SNAPSHOT_EVERY: 'often',
    });
    expect(problems.map((p) => p.variable)).toEqual(['BIND_ADDRESS', 'REST_PORT', 'GRPC_PORT', 'DATABASE_URL', 'AUDIT_SNAPSHOT_EVERY', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']);
  });

  it('builds an error message listing each problem on its own line', () => {
    expect(() => load({ REST_PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(
      [
        'invalid configuration (2 problems):',
        '  REST_PORT="abc" is not allowed: expected an integer from 0 to 65535 (0 = any free port)',
        '  LOG_LEVEL="loud" is not allowed: expected one of fatal, error, warn, info, debug, trace',
      ].join('\n'),
    );
  });
});
