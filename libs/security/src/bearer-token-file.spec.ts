import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BearerTokenFile } from './bearer-token-file.js';

describe('BearerTokenFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bearer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the one token of the file, comments and blank lines aside', () => {
    const path = join(dir, 'token');
    writeFileSync(path, '# east kubemanager\n\n  tok-123  \n');
    expect(new BearerTokenFile(path).authorization()).toBe('Bearer tok-123');
  });

  it.each([
    ['an empty file', ''],
    ['two tokens', 'a\nb\n'],
    ['a token with a blank', 'a b\n'],
  ])('refuses %s', (_what, text) => {
    const path = join(dir, 'token');
    writeFileSync(path, text);
    expect(() => new BearerTokenFile(path)).toThrow(`the token file ${path} must hold one token on one line`);
  });

  it('refuses a file it cannot read, naming it', () => {
    expect(() => new BearerTokenFile(join(dir, 'absent'))).toThrow(/absent/);
  });

  it('re-reads the file when it changes, at most once a second, and keeps the last token while it is bad', () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    let now = 0;
    const file = new BearerTokenFile(path, () => now);
    writeFileSync(path, 'second-token\n');
    now = 500;
    expect(file.current()).toBe('first');
    now = 1500;
    expect(file.current()).toBe('second-token');
    unlinkSync(path);
    now = 3000;
    expect(file.current()).toBe('second-token');
    writeFileSync(path, 'a b\n');
    now = 4500;
    expect(file.current()).toBe('second-token');
    writeFileSync(path, 'third-token-longer\n');
    now = 6000;
    expect(file.current()).toBe('third-token-longer');
  });
});
