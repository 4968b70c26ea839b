import { XmlSyntaxError } from '../errors.js';
import type { XmlElement } from './xml-element.js';

export interface XmlParseOptions {
  /** Deepest element nesting accepted (the root is depth 1). Default 64: the deepest stanza of the dialect is ~12. */
  maxDepth?: number;
}

export const DEFAULT_MAX_XML_DEPTH = 64;

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

/**
 * Parses one XML document holding a single root element: a stanza as the framer cut it, a fixture file.
 * Comments and processing instructions are skipped wherever they are (so a leading `<?xml …?>` is fine); CDATA is
 * text; a DOCTYPE is refused (no entity expansion of any kind beyond the five predefined and numeric references).
 * Strict otherwise: every problem throws an XmlSyntaxError saying what and where.
 */
export function parseXml(text: string, options: XmlParseOptions = {}): XmlElement {
  return new XmlParser(text, options.maxDepth ?? DEFAULT_MAX_XML_DEPTH).parseDocument();
}

class XmlParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): XmlElement {
    let root: XmlElement | undefined;
    const text = this.text;
    const length = text.length;
    while (true) {
      this.skipWhitespace();
      if (this.pos >= length) break;
      if (text.charCodeAt(this.pos) !== LT) {
        throw this.error(root === undefined ? 'text before the root element' : 'text after the root element');
      }
      if (this.skipMarkup()) continue;
      if (root !== undefined) throw this.error(`a second root element <${this.peekName()}> after </${root.name}>`);
      root = this.parseElement();
    }
    if (root === undefined) throw this.error('no element in the document');
    return root;
  }

  /** Skips a comment or processing instruction at `<`; true if there was one. Refuses DOCTYPE and stray `<!`. */
  private skipMarkup(): boolean {
    const text = this.text;
    const next = text.charCodeAt(this.pos + 1);
    if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', this.pos + 2);
      if (end < 0) throw this.error('unterminated processing instruction');
      this.pos = end + 2;
      return true;
    }
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', this.pos)) {
        const end = text.indexOf('-->', this.pos + 4);
        if (end < 0) throw this.error('unterminated comment');
        this.pos = end + 3;
        return true;
      }
      if (text.startsWith('<!DOCTYPE', this.pos)) throw this.error('a DOCTYPE is not allowed');
      if (!text.startsWith('<![CDATA[', this.pos)) throw this.error("'<!' that starts no comment or CDATA section");
    }
    return false;
  }

  private parseElement(): XmlElement {
    const text = this.text;
    const root = this.parseStartTag(0);
    if (root.closed) return root.element;
    const stack: XmlElement[] = [root.element];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const lt = text.indexOf('<', this.pos);
      if (lt < 0) throw this.error(`unclosed element <${top.name}>`, text.length);
      if (lt > this.pos) top.text += this.decodeText(this.pos, lt);
      this.pos = lt;
      const next = text.charCodeAt(lt + 1);
      if (next === SLASH) {
        this.parseEndTag(top.name);
        stack.pop();
      } else if (next === 0x21 /* ! */ && text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end < 0) throw this.error('unterminated CDATA section');
        top.text += text.slice(lt + 9, end);
        this.pos = end + 3;
      } else if (!this.skipMarkup()) {
        const child = this.parseStartTag(stack.length);
        top.children.push(child.element);
        if (!child.closed) stack.push(child.element);
      }
    }
    return root.element;
  }

  /** At `<` of a start tag, with `depth` elements open around it. */
  private parseStartTag(depth: number): { element: XmlElement; closed: boolean } {
    const text = this.text;
    const start = this.pos;
    this.pos++; // '<'
    const name = this.readName('element');
    if (depth + 1 > this.maxDepth) throw this.error(`element <${name}> is nested deeper than ${this.maxDepth} levels`, start);
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    const element: XmlElement = { name, attributes, children: [], text: '' };
    while (true) {
      const hadSpace = this.skipWhitespace();
      const c = text.charCodeAt(this.pos);
      if (c === GT) {
        this.pos++;
        return { element, closed: false };
      }
      if (c === SLASH) {
        if (text.charCodeAt(this.pos + 1) !== GT) throw this.error(`'/' not followed by '>' in <${name}>`);
        this.pos += 2;
        return { element, closed: true };
      }
      if (Number.isNaN(c)) throw this.error(`unclosed start tag <${name}>`, start);
      if (!hadSpace) throw this.error(`bad attribute in <${name}>: expected whitespace, '>' or '/>'`);
      const attributeName = this.readName(`attribute in <${name}>`);
      this.skipWhitespace();
      if (text.charCodeAt(this.pos) !== EQUALS) throw this.error(`bad attribute ${attributeName} in <${name}>: expected '='`);
      this.pos++;
      this.skipWhitespace();
      const quote = text.charCodeAt(this.pos);
      if (quote !== QUOTE && quote !== APOSTROPHE) {
        throw this.error(`bad attribute ${attributeName} in <${name}>: the value must be quoted`);
      }
      const end = text.indexOf(quote === QUOTE ? '"' : "'", this.pos + 1);
      if (end < 0) throw this.error(`bad attribute ${attributeName} in <${name}>: unterminated value`);
      const lt = text.indexOf('<', this.pos + 1);
      if (lt >= 0 && lt < end) throw this.error(`bad attribute ${attributeName} in <${name}>: '<' in the value`, lt);
      if (attributeName in attributes) throw this.error(`duplicate attribute ${attributeName} in <${name}>`);
      attributes[attributeName] = this.decodeText(this.pos + 1, end);
      this.pos = end + 1;
    }
  }

  private parseEndTag(expected: string): void {
    const start = this.pos;
    this.pos += 2; // '</'
    const name = this.readName('end tag');
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== GT) throw this.error(`bad end tag </${name}: expected '>'`);
    this.pos++;
    if (name !== expected) throw this.error(`mismatched end tag </${name}>, expected </${expected}>`, start);
  }

  private readName(what: string): string {
    const text = this.text;
    const start = this.pos;
    if (!isNameStart(text.charCodeAt(start))) {
      const c = text.charAt(start);
      throw this.error(`bad ${what} name: ${c === '' ? 'end of input' : JSON.stringify(c)}`);
    }
    let end = start + 1;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    this.pos = end;
    return text.slice(start, end);
  }

  private peekName(): string {
    let end = this.pos + 1;
    while (end < this.text.length && isNameChar(this.text.charCodeAt(end))) end++;
    return this.text.slice(this.pos + 1, end);
  }

  /** True if at least one whitespace character was skipped. */
  private skipWhitespace(): boolean {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break;
      pos++;
    }
    this.pos = pos;
    return pos > start;
  }

  /** The text of [start, end) with entity and character references decoded. */
  private decodeText(start: number, end: number): string {
    const text = this.text;
    let amp = text.indexOf('&', start);
    if (amp < 0 || amp >= end) return text.slice(start, end);
    const parts: string[] = [];
    let from = start;
    while (amp >= 0 && amp < end) {
      parts.push(text.slice(from, amp));
      const semicolon = text.indexOf(';', amp + 1);
      if (semicolon < 0 || semicolon >= end || semicolon - amp > 12) throw this.error("bad entity: '&' without a reference", amp);
      parts.push(this.decodeReference(text.slice(amp + 1, semicolon), amp));
      from = semicolon + 1;
      amp = text.indexOf('&', from);
    }
    parts.push(text.slice(from, end));
    return parts.join('');
  }

  private decodeReference(reference: string, at: number): string {
    switch (reference) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    if (reference.charCodeAt(0) === 0x23 /* # */) {
      const hex = reference.charCodeAt(1) === 0x78 /* x */;
      const digits = reference.slice(hex ? 2 : 1);
      if ((hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
        const code = parseInt(digits, hex ? 16 : 10);
        const valid =
          code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
        if (valid) return String.fromCodePoint(code);
      }
      throw this.error(`bad entity &${reference}; (not a valid character reference)`, at);
    }
    throw this.error(`bad entity &${reference}; (only &lt; &gt; &amp; &quot; &apos; and numeric references are known)`, at);
  }

  private error(message: string, at = this.pos): XmlSyntaxError {
    return new XmlSyntaxError(message, at);
  }
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}
