import { XmppCodecError } from '../errors.js';
import { childElement, type XmlElement } from '../xml/xml-element.js';

// Reading the fields of generated-encoder types (§3.4): every member may be missing (the generated parser tolerates
// missing and unknown elements); a member that is present must parse. Errors name the field by its path.

export const MAX_U32 = 0xffffffff;

export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export function codecError(path: string, problem: string): XmppCodecError {
  return new XmppCodecError(`${path}: ${problem}`, path);
}

/** An integer member: missing or empty is 0 (the generated encoders write unset ints as 0). */
export function readInteger(parent: XmlElement, name: string, path: string, min = 0, max = MAX_U32): number {
  const child = childElement(parent, name);
  if (child === undefined) return 0;
  return parseInteger(child.text.trim(), fieldPath(path, name), min, max);
}

export function parseInteger(text: string, path: string, min = 0, max = MAX_U32): number {
  if (text === '') return 0;
  if (!/^-?\d{1,20}$/.test(text)) throw codecError(path, `${JSON.stringify(text)} is not an integer`);
  const value = Number(text);
  if (value < min || value > max) throw codecError(path, `${text} is out of range ${min}..${max}`);
  return value;
}

/** A string member, trimmed; '' when missing. */
export function readString(parent: XmlElement, name: string): string {
  const child = childElement(parent, name);
  return child === undefined ? '' : child.text.trim();
}

export function parseBoolean(text: string, path: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0' || text === '') return false;
  throw codecError(path, `${JSON.stringify(text)} is not a boolean`);
}

export function readBoolean(parent: XmlElement, name: string, path: string): boolean {
  const child = childElement(parent, name);
  return child === undefined ? false : parseBoolean(child.text.trim(), fieldPath(path, name));
}

/** The `itemName` children of the `listName` child (`<tag-list><tag>…`); [] when the list is missing. */
export function readList(parent: XmlElement, listName: string, itemName: string): XmlElement[] {
  const list = childElement(parent, listName);
  return list === undefined ? [] : list.children.filter((child) => child.name === itemName);
}

export function readIntegerList(parent: XmlElement, listName: string, itemName: string, path: string): number[] {
  const itemPath = fieldPath(fieldPath(path, listName), itemName);
  return readList(parent, listName, itemName).map((item) => parseInteger(item.text.trim(), itemPath));
}

export function readStringList(parent: XmlElement, listName: string, itemName: string): string[] {
  return readList(parent, listName, itemName).map((item) => item.text.trim());
}
