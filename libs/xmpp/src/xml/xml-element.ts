/**
 * An XML element as the dialect needs it: no mixed content (text and child elements of one element are kept apart),
 * namespaces kept as written (`xmlns`, `xmlns:stream`, `stream:stream` are plain names).
 */
export interface XmlElement {
  name: string;
  /** In document order; a null-prototype object, so any attribute name is safe as a key. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The character data directly inside this element (entities decoded, CDATA included), concatenated. */
  text: string;
}

export function xmlElement(name: string, attributes: Record<string, string> = {}, children: XmlElement[] = [], text = ''): XmlElement {
  const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(attributes)) attrs[key] = attributes[key]!;
  return { name, attributes: attrs, children, text };
}

/** The first child element called `name`, or undefined. */
export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  const children = parent.children;
  for (let i = 0; i < children.length; i++) if (children[i]!.name === name) return children[i];
  return undefined;
}

/** Every child element called `name`, in order. */
export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((child) => child.name === name);
}

/** The first descendant called `name` (depth first), or undefined. */
export function findDescendant(parent: XmlElement, name: string): XmlElement | undefined {
  for (const child of parent.children) {
    if (child.name === name) return child;
    const found = findDescendant(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The trimmed text of a child element; '' when the child is absent or empty. */
export function childText(parent: XmlElement, name: string): string {
  const child = childElement(parent, name);
  return child === undefined ? '' : child.text.trim();
}

export function attribute(element: XmlElement, name: string): string | undefined {
  return element.attributes[name];
}
