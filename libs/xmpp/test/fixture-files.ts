import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XmppFramer, type Frame, type XmlElement } from '#libs/xmpp';

/** Our own fixtures, written from the shapes of xmpp-dialect.md §1–§6. */
export const OWN_FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Tungsten Fabric's own data (../shared/conformance/README.md), used in place. */
export const TF_CONFORMANCE = path.resolve(REPO_ROOT, '../shared/conformance');
export const TF_BGP_TESTDATA = path.join(TF_CONFORMANCE, 'tf-bgp-testdata');
export const TF_SCHEMA = path.join(TF_CONFORMANCE, 'tf-schema');

/** Why TF's fixtures cannot be used, or undefined when they can. */
export function tfConformanceMissing(): string | undefined {
  if (!existsSync(TF_BGP_TESTDATA) || !existsSync(TF_SCHEMA)) return `${TF_CONFORMANCE} is absent (see ../shared/conformance/README.md)`;
  return undefined;
}

export function tfFiles(pattern: RegExp): string[] {
  return readdirSync(TF_BGP_TESTDATA)
    .filter((name) => pattern.test(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function readOwnFixture(name: string): string {
  return readFileSync(path.join(OWN_FIXTURES, name), 'utf8').replace(/\n$/, '');
}

/** The frames of a text, as a control node would cut them. */
export function framesOf(text: string): Frame[] {
  return new XmppFramer().push(Buffer.from(text, 'utf8'));
}

/** The stanza texts of a fixture file holding one or more stanzas. */
export function stanzaTexts(text: string): string[] {
  return framesOf(text).flatMap((frame) => (frame.kind === 'stanza' ? [frame.xml] : []));
}

export interface ElementShape {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: ElementShape[];
}

/** An element as plain data, text trimmed: equal shapes are the same document element by element. */
export function shapeOf(element: XmlElement): ElementShape {
  return { name: element.name, attributes: { ...element.attributes }, text: element.text.trim(), children: element.children.map(shapeOf) };
}
