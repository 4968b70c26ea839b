/** A value a Kubernetes manifest is made of. */
export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

// Strings left unquoted: start with a letter, '_' or '/', no ':' or '#', no blanks. Anything else (digits first,
// "1e3", "0x1f", "10:20") is quoted, so no reader takes it for a number or a sexagesimal.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9._/-]*$/;
// Words YAML 1.1 (kubectl's reader) takes for booleans or null even without quotes.
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

/**
 * A string as a YAML scalar: plain when that cannot be misread, else double-quoted. JSON's string syntax is
 * YAML's double-quoted style; U+2028 and U+2029 are escaped too, as YAML 1.1 takes them for line breaks.
 */
export function yamlScalar(text: string): string {
  if (PLAIN.test(text) && !RESERVED.test(text)) return text;
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A document in block style, as kubectl prints manifests (a list under a key sits at the key's indentation), with
 * `#` comment lines before it. Numbers and booleans are written as such; keys go through the same quoting.
 */
export function yamlDocument(value: { readonly [key: string]: YamlValue }, comments: readonly string[] = []): string {
  const lines = [...comments.map((line) => (line ? `# ${line}` : '#')), ...mapLines(value, '')];
  return `${lines.join('\n')}\n`;
}

function isMap(value: YamlValue): value is { readonly [key: string]: YamlValue } {
  return typeof value === 'object' && !Array.isArray(value);
}

function scalar(value: string | number | boolean): string {
  if (typeof value === 'string') return yamlScalar(value);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot write ${value} in a manifest`);
  return String(value);
}

function mapLines(map: { readonly [key: string]: YamlValue }, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    const head = `${indent}${yamlScalar(key)}:`;
    if (Array.isArray(value)) {
      lines.push(...(value.length === 0 ? [`${head} []`] : [head, ...listLines(value, indent)]));
    } else if (isMap(value)) {
      lines.push(...(Object.keys(value).length === 0 ? [`${head} {}`] : [head, ...mapLines(value, `${indent}  `)]));
    } else {
      lines.push(`${head} ${scalar(value as string | number | boolean)}`);
    }
  }
  return lines;
}

function listLines(list: readonly YamlValue[], indent: string): string[] {
  const lines: string[] = [];
  for (const item of list) {
    if (Array.isArray(item)) throw new Error('a list directly inside a list is not written');
    if (isMap(item) && Object.keys(item).length > 0) {
      // The first key shares the dash's line; the others line up under it.
      const [first, ...rest] = mapLines(item, `${indent}  `);
      lines.push(`${indent}- ${first.slice(indent.length + 2)}`, ...rest);
    } else {
      lines.push(`${indent}- ${isMap(item) ? '{}' : scalar(item as string | number | boolean)}`);
    }
  }
  return lines;
}
