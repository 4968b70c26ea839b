/** Nest injection token of the process's Authenticator (the config API provides it; in-process clients mint from it). */
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
