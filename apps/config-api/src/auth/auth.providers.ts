import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  AUTHENTICATOR,
  Authenticator,
  CredentialReloader,
  DEFAULT_LEEWAY_SECONDS,
  DEFAULT_RELOAD_MS,
  authStartupNotes,
  noCredentials,
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
  private reloader: CredentialReloader | undefined;

  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings & { quiet?: boolean },
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  onModuleInit(): void {
    const { settings } = this;
    if (!settings.quiet) {
      for (const note of authStartupNotes(settings)) {
        if (note.level === 'warn') this.logger.warn({ msg: note.message, ...note.fields });
        else this.logger.log({ msg: note.message, ...note.fields });
      }
    }
    if (Object.keys(settings.files).length === 0) return;
    this.reloader = new CredentialReloader(settings.files, this.authenticator, settings.initial.fingerprints, {
      info: (fields, msg) => this.logger.log({ msg, ...fields }),
      error: (fields, msg) => this.logger.error({ msg, ...fields }),
    });
    this.reloader.start(settings.reloadMs);
  }

  onModuleDestroy(): void {
    this.reloader?.stop();
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
      useFactory: (s: AuthSettings) => new Authenticator(s.initial.credentials, { anonymous: s.anonymous, jwt: s.jwt }),
    },
    AuthLifecycle,
    RefusalRecorder,
    GrpcAuthGate,
    { provide: APP_GUARD, useClass: RestAuthGuard },
  ];
}
