import type { XmlElement } from './xml-element.js';

const TEXT_SPECIAL = /[&<>]/;
const ATTRIBUTE_SPECIAL = /[&<>"]/;

/** Escapes character data: `& < >` (one test per string, a replace only when needed). */
export function escapeText(text: string): string {
  if (!TEXT_SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes a double-quoted attribute value: `& < > "`. */
export function escapeAttribute(text: string): string {
  if (!ATTRIBUTE_SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * One element on one line: `<name a="v">text<child />…</name>`; an element with neither text nor children is written
 * `<name />` (the generated TF encoders' style for empty lists). Attributes double-quoted, in their order.
 */
export function serializeElement(element: XmlElement): string {
  const parts: string[] = [];
  writeElement(element, parts);
  return parts.join('');
}

function writeElement(element: XmlElement, parts: string[]): void {
  parts.push('<', element.name);
  const attributes = element.attributes;
  for (const key in attributes) parts.push(' ', key, '="', escapeAttribute(attributes[key]!), '"');
  if (element.children.length === 0 && element.text === '') {
    parts.push(' />');
    return;
  }
  parts.push('>');
  if (element.text !== '') parts.push(escapeText(element.text));
  for (const child of element.children) writeElement(child, parts);
  parts.push('</', element.name, '>');
}
