import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTHENTICATOR, authenticatorFor, startAuthentication, type Authenticator, type AuthSettings } from '#libs/security';
import { ControlAuthGuard } from '../rest/control-auth.guard.js';

const CONTROL_AUTH_SETTINGS = Symbol('CONTROL_AUTH_SETTINGS');

/**
 * Logs what authentication is in force at start (the config API's `authentication` line, and its warning when
 * anonymous access is on), and re-reads the credential files while the process runs.
 */
@Injectable()
class ControlAuthLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private stop: (() => void) | undefined;

  constructor(
    @Inject(CONTROL_AUTH_SETTINGS) private readonly settings: AuthSettings,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  onModuleInit(): void {
    const { logger } = this;
    this.stop = startAuthentication(this.settings, this.authenticator, {
      info: (fields, msg) => logger.log({ msg, ...fields }),
      warn: (fields, msg) => logger.warn({ msg, ...fields }),
      error: (fields, msg) => logger.error({ msg, ...fields }),
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}

/**
 * The control service's own authentication, when it runs on its own: the Authenticator of its AUTH_* settings, the
 * credential reloads, and the REST guard (global: APP_GUARD) in front of /control/*. The all-in-one does not use
 * these: there the config API's guard covers /control/* with the same rule.
 */
export function controlAuthProviders(settings: AuthSettings): Provider[] {
  return [
    { provide: CONTROL_AUTH_SETTINGS, useValue: settings },
    { provide: AUTHENTICATOR, useFactory: () => authenticatorFor(settings) },
    ControlAuthLifecycle,
    { provide: APP_GUARD, useClass: ControlAuthGuard },
  ];
}
