import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  AUTHENTICATOR,
  DEFAULT_LEEWAY_SECONDS,
  DEFAULT_RELOAD_MS,
  authenticatorFor,
  noCredentials,
  startAuthentication,
  type Authenticator,
  type AuthSettings,
} from '#libs/security';
import { GrpcAuthGate } from './grpc-auth-gate.js';
import { RefusalRecorder } from './refusal-recorder.js';
import { RestAuthGuard } from './rest-auth.guard.js';

const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

/**
 * A config API composed without settings (tests, benchmarks): no credentials, anonymous callers are admins, as the
 * config API was before authentication existed. Nothing is logged about it.
 */
export function openAuthSettings(): AuthSettings {
  return {
    files: {},
    jwt: { leewaySeconds: DEFAULT_LEEWAY_SECONDS },
    anonymous: 'admin',
    anonymousSource: 'default',
    bindAddress: '127.0.0.1',
    reloadMs: DEFAULT_RELOAD_MS,
    initial: { credentials: noCredentials(), fingerprints: {} },
  };
}

/** Logs what authentication is in force at start, and re-reads the credential files while the process runs. */
@Injectable()
class AuthLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private stop: (() => void) | undefined;

  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings & { quiet?: boolean },
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  onModuleInit(): void {
    const { logger } = this;
    this.stop = startAuthentication(
      this.settings,
      this.authenticator,
      {
        info: (fields, msg) => logger.log({ msg, ...fields }),
        warn: (fields, msg) => logger.warn({ msg, ...fields }),
        error: (fields, msg) => logger.error({ msg, ...fields }),
      },
      { quiet: this.settings.quiet === true },
    );
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}

/**
 * The config API's authentication (DESIGN §8): the Authenticator (exported as AUTHENTICATOR, so in-process clients
 * mint their tokens from it), the credential reloader, the refusal recorder, the REST guard (global: APP_GUARD) and
 * the gRPC gate the ConfigService and AuditService edges call.
 */
export function authProviders(settings: AuthSettings | undefined): Provider[] {
  return [
    { provide: AUTH_SETTINGS, useValue: settings ?? { ...openAuthSettings(), quiet: true } },
    {
      provide: AUTHENTICATOR,
      inject: [AUTH_SETTINGS],
      useFactory: (s: AuthSettings) => authenticatorFor(s),
    },
    AuthLifecycle,
    RefusalRecorder,
    GrpcAuthGate,
    { provide: APP_GUARD, useClass: RestAuthGuard },
  ];
}
