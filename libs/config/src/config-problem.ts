/** One thing wrong with the environment. `message` names the variable, the value given and what is allowed. */
export interface ConfigProblem {
  variable: string;
  /** The value as given (credentials masked); absent when the variable is missing. */
  value?: string;
  message: string;
}

/** Start-up must stop: the environment has one or more bad values. Carries all of them, not just the first. */
export class InvalidConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatConfigProblems(problems));
    this.name = 'InvalidConfigError';
  }
}

/** A human-readable block: a heading, then one problem per line. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const heading = problems.length === 1 ? 'invalid configuration (1 problem):' : `invalid configuration (${problems.length} problems):`;
  return [heading, ...problems.map((p) => `  ${p.message}`)].join('\n');
}

/**
 * Hides passwords in connection strings before they reach a log or an error message:
 * `postgres://app:s3cret@db/x` → `postgres://app:***@db/x`, and `password=s3cret` → `password=***`.
 */
export function maskCredentials(value: string): string {
  return value
    .replace(/(\/\/[^/?#@:]*):[^/?#@]*@/g, '$1:***@')
    .replace(/\b(password|passwd|pwd)=([^&;\s]*)/gi, '$1=***');
}
