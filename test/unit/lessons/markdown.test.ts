import { describe, expect, it } from 'vitest';
import { inline, inlineTitle, renderMarkdown } from '../../../web/lessons/markdown';

describe('renderMarkdown', () => {
  it('escapes HTML everywhere, code included', () => {
    const { html } = renderMarkdown(
      'A <img src=x onerror=alert(1)> and `<b>`\n\n```js\nif (a < b) alert("x")\n```',
    );
    expect(html).not.toMatch(/<img|<b>/);
    expect(html).toContain('&lt;img');
    expect(html).toContain('<code>&lt;b&gt;</code>');
    expect(html).toContain('if (a &lt; b)');
  });

  it('gives js code blocks a button to the editor and keeps their code', () => {
    const { html, code } = renderMarkdown(
      '```js\nconst s = new WebSocket(ECHO_URL);\n```\n\n```text\nplain\n```',
    );
    expect(code).toEqual([
      { lang: 'js', code: 'const s = new WebSocket(ECHO_URL);' },
      { lang: 'text', code: 'plain' },
    ]);
    expect(html.match(/class="to-editor"/g)).toHaveLength(1);
  });

  it('renders lists with continuation lines, tables and inline styles', () => {
    const { html } = renderMarkdown(
      '- **one** line\n  continued\n- *two*\n\n1. first\n2. second\n\n| a | b |\n| --- | --- |\n| `x` | y |',
    );
    expect(html).toContain('<ul><li><strong>one</strong> line continued</li><li><em>two</em></li></ul>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(html).toContain('<td><code>x</code></td>');
  });

  it("puts a js block's button on a bar above the code, not over it", () => {
    const { html } = renderMarkdown('```js\nlet a;\n```');
    expect(html).toMatch(/<div class="code-bar">.*class="to-editor".*<\/div><pre/);
  });

  it("renders a title's code spans and emphasis, its links as their text", () => {
    expect(inlineTitle('Barging in: `interrupted`')).toBe('Barging in: <code>interrupted</code>');
    expect(inlineTitle('See [RFC 6455](https://example.org) <now>')).toBe('See RFC 6455 &lt;now&gt;');
  });

  it('keeps link targets to safe schemes', () => {
    expect(inline('[a](javascript:alert(1))')).toContain('href="#"');
    expect(inline('[RFC](https://www.rfc-editor.org/rfc/rfc6455)')).toContain('rel="noopener noreferrer"');
  });
});
