// What a fuzz run saw: inputs and outcomes per target, and the findings, each with what it takes to replay it.

/** What one input led to. */
export interface Outcome {
  /** The answer in the target's terms: an HTTP status ('400'), a gRPC code ('INVALID_ARGUMENT'), 'closed' … */
  status: string;
  /** The input, readable (truncated when long), to see what was sent. */
  input: string;
  /** Set when the oracle failed: what was wrong. */
  finding?: string;
  /** A mutated write the controller accepted (fine, but counted). */
  acceptedMutation?: boolean;
}

export interface Finding {
  target: string;
  /** The run's seed and the input's index and own seed: `--replay <target>:<inputSeed>` runs it again. */
  seed: number;
  index: number;
  inputSeed: number;
  what: string;
  status: string;
  input: string;
}

export interface Summary {
  seed: number;
  ms: number;
  inputs: Record<string, number>;
  outcomes: Record<string, Record<string, number>>;
  acceptedMutations: Record<string, number>;
  findings: Finding[];
  /** Findings of the same kind are kept once each (the first input); how many more there were. */
  repeatedFindings: number;
  controllerRestarts: number;
}

/** Inputs longer than this are cut in the report. */
const INPUT_CHARS = 1500;
/** At most this many findings are kept with their inputs. */
const MAX_FINDINGS = 100;

export class FuzzReport {
  private readonly started = Date.now();
  private readonly inputs = new Map<string, number>();
  private readonly outcomes = new Map<string, Map<string, number>>();
  private readonly accepted = new Map<string, number>();
  readonly findings: Finding[] = [];
  private readonly kinds = new Set<string>();
  private repeated = 0;
  controllerRestarts = 0;

  constructor(readonly seed: number) {}

  get total(): number {
    let n = 0;
    for (const count of this.inputs.values()) n += count;
    return n;
  }

  count(target: string): number {
    return this.inputs.get(target) ?? 0;
  }

  record(target: string, index: number, inputSeed: number, outcome: Outcome): void {
    this.inputs.set(target, this.count(target) + 1);
    const byStatus = this.outcomes.get(target) ?? new Map<string, number>();
    byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
    this.outcomes.set(target, byStatus);
    if (outcome.acceptedMutation) this.accepted.set(target, (this.accepted.get(target) ?? 0) + 1);
    if (outcome.finding) this.find(target, index, inputSeed, outcome.finding, outcome.status, outcome.input);
  }

  /** A finding; one of a kind (target, status and the first line of what) is kept, the rest counted. */
  find(target: string, index: number, inputSeed: number, what: string, status: string, input: string): void {
    const kind = `${target}|${status}|${what.split('\n')[0]!.replace(/[0-9a-f-]{36}|\d+/g, 'N').slice(0, 200)}`;
    if (this.kinds.has(kind) || this.findings.length >= MAX_FINDINGS) {
      this.repeated++;
      return;
    }
    this.kinds.add(kind);
    this.findings.push({ target, seed: this.seed, index, inputSeed, what, status, input: input.length > INPUT_CHARS ? `${input.slice(0, INPUT_CHARS)}… (${input.length} chars)` : input });
  }

  progressLine(): string {
    const parts = [...this.inputs].map(([target, n]) => `${target} ${n}`).join(', ');
    return `fuzz: ${this.total} inputs (${parts}), ${this.findings.length + this.repeated} findings, ${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }

  summary(): Summary {
    const outcomes: Record<string, Record<string, number>> = {};
    for (const [target, byStatus] of this.outcomes) outcomes[target] = Object.fromEntries([...byStatus].sort(([a], [b]) => a.localeCompare(b)));
    return {
      seed: this.seed,
      ms: Date.now() - this.started,
      inputs: Object.fromEntries(this.inputs),
      outcomes,
      acceptedMutations: Object.fromEntries(this.accepted),
      findings: this.findings,
      repeatedFindings: this.repeated,
      controllerRestarts: this.controllerRestarts,
    };
  }

  /** The summary for a person: a table of outcomes per target, then each finding with its replay command. */
  text(): string {
    const s = this.summary();
    const lines = [`fuzz seed ${s.seed}: ${this.total} inputs in ${(s.ms / 1000).toFixed(1)} s, ${s.findings.length} findings (+${s.repeatedFindings} repeats)`];
    for (const [target, byStatus] of Object.entries(s.outcomes)) {
      const statuses = Object.entries(byStatus).map(([status, n]) => `${status} ×${n}`).join(', ');
      lines.push(`  ${target.padEnd(8)} ${String(s.inputs[target]).padStart(6)} inputs, ${s.acceptedMutations[target] ?? 0} mutated writes accepted: ${statuses}`);
    }
    for (const f of s.findings) {
      lines.push(`  FINDING ${f.target} #${f.index} (${f.status}): ${f.what}`);
      lines.push(`    replay: npm run fuzz -- --seed ${f.seed} --replay ${f.target}:${f.inputSeed}`);
      lines.push(`    input: ${f.input.replace(/\n/g, '\\n')}`);
    }
    return lines.join('\n');
  }
}
