import { MIN_TOKEN_LENGTH, parseTokenFile, tokenDigest } from './token-file.js';

const GOOD = 'aaaaaaaaaaaaaaaa-alice';

function problemsOf(text: string): Array<{ line?: number; message: string }> {
  const parsed = parseTokenFile(text);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return parsed.problems;
}

describe('parseTokenFile', () => {
  it('reads tokens, actors and roles, skipping comments and blank lines, keeping digests only', () => {
    const parsed = parseTokenFile(
      [
        '# API tokens',
        '',
        `${GOOD}   alice   operator`,
        '   # indented comment',
        'bbbbbbbbbbbbbbbbbbbb bob reader,admin,reader',
        'cccccccccccccccccccc kubemanager:east kubemanager:east',
        'dddddddddddddddddddd alice reader\r',
      ].join('\n'),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.entries.map((e) => [e.actor, e.roles])).toEqual([
      ['alice', ['operator']],
      ['bob', ['reader', 'admin']],
      ['kubemanager:east', ['kubemanager:east']],
      ['alice', ['reader']],
    ]);
    expect(parsed.entries[0]!.digest.equals(tokenDigest(GOOD))).toBe(true);
    expect(JSON.stringify(parsed.entries)).not.toContain(GOOD);
  });

  it('takes an empty file (no API token) and one of comments only', () => {
    expect(parseTokenFile('')).toEqual({ ok: true, entries: [] });
    expect(parseTokenFile('# none yet\n\n')).toEqual({ ok: true, entries: [] });
  });

  it.each([
    ['a line with two fields', `${GOOD} alice`, /expected <token> <actor> <role>\[,<role>…\], found 2 fields/],
    ['a line with four fields', `${GOOD} alice operator extra`, /found 4 fields/],
    ['a line with one field', GOOD, /found 1 field$/],
    ['a short token', 'short-token alice admin', new RegExp(`shorter than ${MIN_TOKEN_LENGTH} characters \\(11\\)`)],
    ['an unknown role', `${GOOD} alice superuser`, /unknown role "superuser": expected admin, operator, reader or kubemanager:<cluster>/],
    ['an empty role in the list', `${GOOD} alice reader,`, /unknown role ""/],
    ['a role in the wrong case', `${GOOD} alice Admin`, /unknown role "Admin"/],
    ['a kubemanager role with a bad cluster name', `${GOOD} kubemanager:East kubemanager:East`, /unknown role "kubemanager:East"/],
    ['a kubemanager role with another actor', `${GOOD} robot kubemanager:east`, /actor of a kubemanager:east credential must be kubemanager:east, not "robot"/],
    ['a kubemanager role with another role', `${GOOD} kubemanager:east kubemanager:east,reader`, /cannot be combined with another role/],
    ['the reserved actor anonymous', `${GOOD} anonymous reader`, /actor "anonymous" is reserved/],
    ['the reserved actor unauthenticated', `${GOOD} unauthenticated reader`, /actor "unauthenticated" is reserved/],
  ])('refuses %s, naming the line and never the token', (_what, line, message) => {
    const problems = problemsOf(`# header\n${line}\n`);
    expect(problems).toEqual([{ line: 2, message: expect.stringMatching(message) }]);
    expect(JSON.stringify(problems)).not.toContain(GOOD);
  });

  it('refuses a token given twice, naming both lines', () => {
    expect(problemsOf(`${GOOD} alice admin\n\n${GOOD} bob reader`)).toEqual([{ line: 3, message: 'the same token as line 1: every token must be different' }]);
  });

  it('reports every bad line, not just the first', () => {
    expect(problemsOf('x alice admin\nyyyyyyyyyyyyyyyyyyyy bob root\nzzzzzzzzzzzzzzzzzzzz carol reader').map((p) => p.line)).toEqual([1, 2]);
  });
});
