import { describe, expect, it } from '@jest/globals';
import { XmlSyntaxError } from '../errors.js';
import { xmlElement } from './xml-element.js';
import { parseXml } from './xml-parser.js';
import { escapeAttribute, escapeText, serializeElement } from './xml-writer.js';

describe('parseXml', () => {
  it('reads elements, both quote styles, text and self-closing tags, keeping prefixed names', () => {
    const root = parseXml(`<iq type='set' xmlns:x="urn:x"><x:a n = "1"/><b>hi <![CDATA[<raw>]]></b></iq>`);
    expect(root.name).toBe('iq');
    expect({ ...root.attributes }).toEqual({ type: 'set', 'xmlns:x': 'urn:x' });
    expect(root.children.map((child) => child.name)).toEqual(['x:a', 'b']);
    expect(root.children[0]!.attributes['n']).toBe('1');
    expect(root.children[1]!.text).toBe('hi <raw>');
  });

  it('skips comments and processing instructions anywhere, including a leading declaration', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c --><a><!-- not -- strict ---><?pi x?><b/></a><!-- after -->\n');
    expect(root.children.map((child) => child.name)).toEqual(['b']);
  });

  it('decodes the predefined entities and character references in text and attributes', () => {
    const root = parseXml('<a v="&quot;&apos;&lt;&gt;&amp;&#65;&#x42;">&lt;x&gt; &amp; &#x1F600; &#10;</a>');
    expect(root.attributes['v']).toBe(`"'<>&AB`);
    expect(root.text).toBe('<x> & \u{1F600} \n');
  });

  it('allows a stray > in text (TF fixtures have `</security-group>>`)', () => {
    expect(parseXml('<a><b>1</b>></a>').text).toBe('>');
  });

  it.each([
    ['<a><b></a>', /mismatched end tag <\/a>, expected <\/b>/],
    ['<a><b>', /unclosed element <b>/],
    ['<a', /unclosed start tag <a>/],
    ['<a x=1/>', /bad attribute x in <a>: the value must be quoted/],
    ['<a x="1" x="2"/>', /duplicate attribute x in <a>/],
    ['<a x="1"y="2"/>', /bad attribute in <a>: expected whitespace/],
    ['<a x="<"/>', /'<' in the value/],
    ['<a x "1"/>', /bad attribute x in <a>: expected '='/],
    ['<a>&bogus;</a>', /bad entity &bogus;/],
    ['<a>&#0;</a>', /bad entity &#0;/],
    ['<a>&#xD800;</a>', /bad entity &#xD800;/],
    ['<a>a & b</a>', /bad entity: '&' without a reference/],
    ['<a/><b/>', /a second root element <b>/],
    ['text<a/>', /text before the root element/],
    ['<a/>text', /text after the root element/],
    ['<!DOCTYPE a><a/>', /a DOCTYPE is not allowed/],
    ['<a><!-- x</a>', /unterminated comment/],
    ['< a/>', /bad element name/],
    ['', /no element in the document/],
  ])('refuses %p', (text, message) => {
    expect(() => parseXml(text)).toThrow(XmlSyntaxError);
    expect(() => parseXml(text)).toThrow(message);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = '<a>'.repeat(70) + '</a>'.repeat(70);
    expect(() => parseXml(deep)).toThrow(/nested deeper than 64 levels/);
    expect(parseXml(deep, { maxDepth: 70 }).name).toBe('a');
  });

  it('reports where the problem is', () => {
    try {
      parseXml('<a><b></c></a>');
      throw new Error('expected a syntax error');
    } catch (error) {
      expect(error).toBeInstanceOf(XmlSyntaxError);
      expect((error as XmlSyntaxError).offset).toBe(6);
    }
  });
});

describe('XML writer', () => {
  it('escapes text and attribute values', () => {
    expect(escapeText('a<b>&c"')).toBe('a&lt;b&gt;&amp;c"');
    expect(escapeAttribute('a<b>&c"')).toBe('a&lt;b&gt;&amp;c&quot;');
    expect(escapeText('plain')).toBe('plain');
  });

  it('serializes on one line, empty elements as <x />, and round-trips through the parser', () => {
    const element = xmlElement('value', { kind: 'a"b' }, [xmlElement('direction', {}, [], 'both'), xmlElement('empty')], '');
    const text = serializeElement(element);
    expect(text).toBe('<value kind="a&quot;b"><direction>both</direction><empty /></value>');
    expect(serializeElement(parseXml(text))).toBe(text);
  });
});
