// Just enough Markdown for the lessons: paragraphs, `##`-`####` headings, lists (nested by
// indentation), fenced code with a language, tables, **bold**, *italic*, `code` and links.
// Everything is escaped first; lessons are ours, but the page never trusts text as HTML.

export interface RenderedCode {
  lang: string;
  code: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function inline(text: string): string {
  const codes: string[] = [];
  // Code spans first, so nothing inside them is formatted.
  let out = text.replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(`<code>${escapeHtml(code)}</code>`);
    return `\uE000${codes.length - 1}\uE000`;
  });
  out = escapeHtml(out);
  out = out.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  out = out.replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
  out = out.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => {
    const safe = /^(https?:|#|\/)/.test(href) ? href : '#';
    const external = /^https?:/.test(safe) ? ' target="_blank" rel="noopener noreferrer"' : '';
    return `<a href="${safe}"${external}>${label}</a>`;
  });
  return out.replace(/\uE000(\d+)\uE000/g, (_, i: string) => codes[Number(i)]!);
}

/** A heading's Markdown as HTML, links as their text: a title is often itself inside a link. */
export function inlineTitle(text: string): string {
  return inline(text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1'));
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

interface ListItem {
  indent: number;
  ordered: boolean;
  text: string;
}

function renderList(items: ListItem[]): string {
  let html = '';
  const stack: { indent: number; tag: string }[] = [];
  for (const item of items) {
    while (stack.length > 0 && item.indent < stack[stack.length - 1]!.indent) {
      html += `</li></${stack.pop()!.tag}>`;
    }
    const top = stack[stack.length - 1];
    if (!top || item.indent > top.indent) {
      const tag = item.ordered ? 'ol' : 'ul';
      stack.push({ indent: item.indent, tag });
      html += `<${tag}><li>`;
    } else {
      html += '</li><li>';
    }
    html += inline(item.text);
  }
  while (stack.length > 0) html += `</li></${stack.pop()!.tag}>`;
  return html;
}

/** Renders Markdown to HTML; `js` code blocks get a button the page wires to the editor. */
export function renderMarkdown(markdown: string): { html: string; code: RenderedCode[] } {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  const code: RenderedCode[] = [];
  let i = 0;
  const isBlockStart = (line: string): boolean =>
    /^(\s*)(```|~~~)/.test(line) ||
    /^#{2,4} /.test(line) ||
    /^\s*([-*]|\d+\.) /.test(line) ||
    /^\s*\|/.test(line);
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^(\s*)(```+|~~~+)\s*(\S*)/.exec(line);
    if (fence) {
      const marker = fence[2]!;
      const lang = fence[3] ?? '';
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(marker)) body.push(lines[i++]!);
      i++;
      const text = body.join('\n');
      const index = code.length;
      code.push({ lang, code: text });
      // The button sits on a bar of its own above the code, so it never covers a line of it.
      const bar =
        lang === 'js'
          ? `<div class="code-bar"><span class="code-lang">JavaScript</span><button type="button" class="to-editor" data-code="${index}" title="Put this code in the editor">Put in editor</button></div>`
          : '';
      out.push(
        `<div class="code-block">${bar}<pre class="lang-${escapeHtml(lang)}"><code>${escapeHtml(text)}</code></pre></div>`,
      );
      continue;
    }
    const heading = /^(#{2,4}) (.+)$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1]!.length + 1);
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) {
      const head = splitRow(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) rows.push(splitRow(lines[i++]!));
      out.push(
        `<table><thead><tr>${head.map((cell) => `<th>${inline(cell)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((row) => `<tr>${row.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^\s*([-*]|\d+\.) /.test(line)) {
      const items: ListItem[] = [];
      while (i < lines.length) {
        const current = lines[i]!;
        const item = /^(\s*)([-*]|\d+\.) (.*)$/.exec(current);
        if (item) {
          items.push({ indent: item[1]!.length, ordered: /\d/.test(item[2]!), text: item[3]! });
          i++;
        } else if (current.trim() !== '' && /^\s+/.test(current) && items.length > 0) {
          items[items.length - 1]!.text += ` ${current.trim()}`;
          i++;
        } else break;
      }
      out.push(renderList(items));
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !(paragraph.length > 0 && isBlockStart(lines[i]!))
    ) {
      paragraph.push(lines[i++]!.trim());
    }
    out.push(`<p>${inline(paragraph.join(' '))}</p>`);
  }
  return { html: out.join('\n'), code };
}
