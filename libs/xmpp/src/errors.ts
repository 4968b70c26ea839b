/**
 * Every error this library throws is an XmppError, so a bridge can tell "the peer sent something bad" (close or drop,
 * log the message) from a bug (anything else).
 */
export class XmppError extends Error {
  /** 'framing' | 'oversized' | 'xml' | 'codec' */
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = 'XmppError';
    this.code = code;
  }
}

/** The byte stream cannot be cut into stanzas (garbage between stanzas, a stanza over the size limit, bad UTF-8). */
export class XmppFramingError extends XmppError {
  constructor(message: string, code: 'framing' | 'oversized' = 'framing') {
    super(message, code);
    this.name = 'XmppFramingError';
  }
}

/** A stanza is not well-formed XML. `offset` is the character offset in the stanza text. */
export class XmlSyntaxError extends XmppError {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at character ${offset})`, 'xml');
    this.name = 'XmlSyntaxError';
    this.offset = offset;
  }
}

/**
 * Well-formed XML that is not a valid stanza of the dialect, or a bad field in it. `field` is the path of the
 * offending element or attribute below the decoded element (`entry/next-hops/next-hop/address`, `iq@type`).
 */
export class XmppCodecError extends XmppError {
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message, 'codec');
    this.name = 'XmppCodecError';
    this.field = field;
  }
}
