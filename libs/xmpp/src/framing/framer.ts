import { XmppError, XmppFramingError } from '../errors.js';

/** What the framer cuts from the byte stream (xmpp-dialect.md §1.3). */
export type Frame =
  /** The peer's `<stream:stream …>` start tag (the stream stays open; a leading `<?xml …?>` is not included). */
  | { kind: 'stream-open'; xml: string }
  /** One top-level element inside the stream, `<iq>…</iq>` or `<message>…</message>`, as text. */
  | { kind: 'stanza'; name: string; xml: string }
  /** `</stream:stream>`. */
  | { kind: 'stream-close' };

export interface FramerOptions {
  /** Largest stanza (or stream header) in bytes; a longer one is an XmppFramingError with code 'oversized'. */
  maxStanzaBytes?: number;
  /** Deepest element nesting inside a stanza. */
  maxDepth?: number;
}

export const DEFAULT_MAX_STANZA_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;

const enum State {
  Between,
  TagOpen,
  StartTag,
  EndTag,
  Text,
  Bang,
  Comment,
  ProcessingInstruction,
  CData,
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const INITIAL_CAPACITY = 16 * 1024;

/**
 * Cuts a TF XMPP byte stream into frames, at byte level, without building a document of the stream: memory is bounded
 * by one stanza. Between stanzas it skips whitespace and the keepalive bytes 0xC8 0x80 (`sXMPP_VALIDWS`),
 * comments and processing instructions (a `<?xml …?>` before the header or before any stanza); the stream header is a
 * start tag that stays open. Each byte is looked at once however the stream is split into reads (the buffer grows by
 * doubling and is compacted, never rescanned). The text of a frame is decoded as UTF-8 only once it is complete, so a
 * character split across reads is fine; invalid UTF-8 is an error.
 *
 * The framer checks structure only (tags balance by count, quotes, comments); the XML parser checks the rest. Any
 * error leaves it failed: every later push throws the same error.
 */
export class XmppFramer {
  private readonly maxStanzaBytes: number;
  private readonly maxDepth: number;
  private buffer: Buffer = Buffer.alloc(INITIAL_CAPACITY);
  /** Bytes before `start` are consumed; `end` is where the next read goes; `pos` is the next byte to scan. */
  private start = 0;
  private end = 0;
  private pos = 0;
  /** Stream offset of buffer[0], for error messages. */
  private base = 0;
  private state = State.Between;
  private depth = 0;
  private tagStart = -1;
  private stanzaStart = -1;
  private quote = 0;
  private previous = 0;
  private run = 0;
  private failure: XmppError | undefined;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(options: FramerOptions = {}) {
    this.maxStanzaBytes = options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Feeds one read; returns the frames it completed, in order. Throws an XmppFramingError on a broken stream. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.append(chunk);
      const frames: Frame[] = [];
      this.scan(frames);
      if (this.end - this.start > this.maxStanzaBytes) throw this.oversized(this.end - this.start);
      return frames;
    } catch (error) {
      if (error instanceof XmppError) this.failure = error;
      throw error;
    }
  }

  private append(chunk: Uint8Array): void {
    if (this.start === this.end && this.state === State.Between) {
      this.base += this.end;
      this.start = this.end = this.pos = 0;
    }
    if (this.end + chunk.length > this.buffer.length) {
      const kept = this.end - this.start;
      const needed = kept + chunk.length;
      if (needed <= this.buffer.length >> 1) {
        this.buffer.copy(this.buffer, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(needed * 2, INITIAL_CAPACITY));
        this.buffer.copy(grown, 0, this.start, this.end);
        this.buffer = grown;
      }
      const shift = this.start;
      this.base += shift;
      this.pos -= shift;
      if (this.tagStart >= 0) this.tagStart -= shift;
      if (this.stanzaStart >= 0) this.stanzaStart -= shift;
      this.start = 0;
      this.end = kept;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  private scan(frames: Frame[]): void {
    const buffer = this.buffer;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const byte = buffer[pos]!;
      switch (this.state) {
        case State.Between:
          if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0xc8 || byte === 0x80) {
            pos++;
            this.start = pos;
          } else if (byte === LT) {
            this.tagStart = pos;
            this.state = State.TagOpen;
            pos++;
          } else {
            throw this.garbage(byte, pos);
          }
          break;
        case State.TagOpen:
          if (byte === SLASH) this.state = State.EndTag;
          else if (byte === 0x21 /* ! */) this.state = State.Bang;
          else if (byte === 0x3f /* ? */) {
            this.state = State.ProcessingInstruction;
            this.previous = 0;
          } else if (isNameStart(byte)) {
            this.state = State.StartTag;
            this.quote = 0;
            this.previous = 0;
          } else {
            throw new XmppFramingError(`bad markup at stream byte ${this.base + pos - 1}: '<' followed by ${describeByte(byte)}`);
          }
          pos++;
          break;
        case State.Bang: {
          // Waits until the bytes that tell a comment from CDATA have arrived (they are all in the buffer).
          const tag = this.tagStart;
          if (end - tag < 4) {
            pos = end;
            break;
          }
          if (buffer[tag + 2] === 0x2d && buffer[tag + 3] === 0x2d) {
            this.state = State.Comment;
            this.run = 0;
            pos = tag + 4;
            break;
          }
          if (buffer[tag + 2] === 0x5b /* [ */ && this.depth > 0) {
            if (end - tag < 9) {
              pos = end;
              break;
            }
            if (buffer.toString('latin1', tag, tag + 9) === '<![CDATA[') {
              this.state = State.CData;
              this.run = 0;
              pos = tag + 9;
              break;
            }
          }
          throw new XmppFramingError(`bad markup at stream byte ${this.base + tag}: '<!' starts no comment${this.depth > 0 ? ' or CDATA section' : ''} (a DOCTYPE is not allowed)`);
        }
        case State.Comment:
          if (byte === 0x2d) this.run++;
          else if (byte === GT && this.run >= 2) this.endMarkup(pos);
          else this.run = 0;
          pos++;
          break;
        case State.ProcessingInstruction:
          if (byte === GT && this.previous === 0x3f) this.endMarkup(pos);
          this.previous = byte;
          pos++;
          break;
        case State.CData:
          if (byte === 0x5d /* ] */) this.run++;
          else if (byte === GT && this.run >= 2) this.endMarkup(pos);
          else this.run = 0;
          pos++;
          break;
        case State.StartTag:
          if (this.quote !== 0) {
            if (byte === this.quote) this.quote = 0;
          } else if (byte === 0x22 || byte === 0x27) {
            this.quote = byte;
          } else if (byte === GT) {
            this.startTagDone(pos, this.previous === SLASH, frames);
          } else if (byte === LT) {
            throw new XmppFramingError(`bad markup at stream byte ${this.base + pos}: '<' inside the tag that starts at byte ${this.base + this.tagStart}`);
          }
          this.previous = byte;
          pos++;
          break;
        case State.EndTag:
          if (byte === GT) this.endTagDone(pos, frames);
          else if (byte === LT) throw new XmppFramingError(`bad markup at stream byte ${this.base + pos}: '<' inside an end tag`);
          pos++;
          break;
        case State.Text: {
          const lt = buffer.indexOf(LT, pos);
          if (lt < 0 || lt >= end) {
            pos = end;
          } else {
            this.tagStart = lt;
            this.state = State.TagOpen;
            pos = lt + 1;
          }
          break;
        }
      }
    }
    this.pos = pos;
  }

  /** A comment, PI or CDATA section ends at `pos` (its '>'). */
  private endMarkup(pos: number): void {
    if (this.depth > 0) {
      this.state = State.Text;
    } else {
      this.state = State.Between;
      this.start = pos + 1;
    }
  }

  private startTagDone(pos: number, selfClosing: boolean, frames: Frame[]): void {
    if (this.depth === 0) {
      const name = this.tagName(this.tagStart + 1);
      if (name === 'stream:stream') {
        if (selfClosing) throw new XmppFramingError(`bad stream header at stream byte ${this.base + this.tagStart}: <stream:stream/> closes the stream it opens`);
        if (pos + 1 - this.tagStart > this.maxStanzaBytes) throw this.oversized(pos + 1 - this.tagStart);
        frames.push({ kind: 'stream-open', xml: this.text(this.tagStart, pos + 1) });
        this.state = State.Between;
        this.start = pos + 1;
        return;
      }
      this.stanzaStart = this.tagStart;
      if (selfClosing) {
        this.stanzaDone(pos, name, frames);
        return;
      }
      this.depth = 1;
    } else if (!selfClosing) {
      if (this.depth >= this.maxDepth) throw new XmppFramingError(`stanza nested deeper than ${this.maxDepth} levels at stream byte ${this.base + this.tagStart}`);
      this.depth++;
    }
    this.state = State.Text;
  }

  private endTagDone(pos: number, frames: Frame[]): void {
    if (this.depth === 0) {
      const name = this.tagName(this.tagStart + 2);
      if (name !== 'stream:stream') throw new XmppFramingError(`unexpected end tag </${name}> between stanzas at stream byte ${this.base + this.tagStart}`);
      frames.push({ kind: 'stream-close' });
      this.state = State.Between;
      this.start = pos + 1;
      return;
    }
    this.depth--;
    if (this.depth > 0) {
      this.state = State.Text;
      return;
    }
    this.stanzaDone(pos, this.tagName(this.stanzaStart + 1), frames);
  }

  private stanzaDone(pos: number, name: string, frames: Frame[]): void {
    const size = pos + 1 - this.stanzaStart;
    if (size > this.maxStanzaBytes) throw this.oversized(size);
    frames.push({ kind: 'stanza', name, xml: this.text(this.stanzaStart, pos + 1) });
    this.stanzaStart = -1;
    this.state = State.Between;
    this.start = pos + 1;
  }

  /** The element name starting at `from`, up to whitespace, '/' or '>'. */
  private tagName(from: number): string {
    let to = from;
    while (to < this.end) {
      const c = this.buffer[to]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === SLASH || c === GT) break;
      to++;
    }
    return this.text(from, to);
  }

  private text(from: number, to: number): string {
    try {
      return this.decoder.decode(this.buffer.subarray(from, to));
    } catch {
      throw new XmppFramingError(`invalid UTF-8 in the frame at stream bytes ${this.base + from}..${this.base + to}`);
    }
  }

  private garbage(byte: number, pos: number): XmppFramingError {
    return new XmppFramingError(`unexpected ${describeByte(byte)} between stanzas at stream byte ${this.base + pos} (only whitespace, keepalive bytes 0xC8 0x80 and markup may appear there)`);
  }

  private oversized(size: number): XmppFramingError {
    return new XmppFramingError(`stanza of ${size} bytes or more exceeds the maximum stanza size of ${this.maxStanzaBytes} bytes`, 'oversized');
  }
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}

function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return byte >= 0x21 && byte < 0x7f ? `byte ${hex} ('${String.fromCharCode(byte)}')` : `byte ${hex}`;
}
