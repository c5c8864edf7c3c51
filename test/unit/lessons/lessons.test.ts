import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../../core/lessons/lesson-format';
import { checkSnippetSyntax, loadCourse } from '../../../server/lessons/loader';

const lessonsDir = fileURLToPath(new URL('../../../lessons', import.meta.url));

const GOOD_MD = `---
title: A lesson
summary: It teaches.
---

## First

Some prose.

\`\`\`js
const socket = new WebSocket(ECHO_URL);
\`\`\`

## Second

More prose.
`;

function files(entries: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(entries));
}

function problemsOf(folder: string, entries: Record<string, string>): string {
  const outcome = parseLesson(folder, files(entries), checkSnippetSyntax);
  return outcome.ok ? '' : outcome.error.join('\n');
}

describe('the real course in lessons/', () => {
  it('loads every lesson without a problem', async () => {
    const course = await loadCourse(lessonsDir);
    expect(course.problems).toEqual([]);
    expect(course.lessons.length).toBeGreaterThan(0);
    const numbers = course.lessons.map((lesson) => lesson.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });
});

describe('parseLesson', () => {
  it('numbers steps from 1 in heading order and attaches their checks', () => {
    const outcome = parseLesson(
      '07-sample',
      files({
        'lesson.md': GOOD_MD,
        'checks.json': JSON.stringify([
          { step: 2, expect: [{ type: 'close', code: 1000, $label: 'a close' }] },
        ]),
      }),
      checkSnippetSyntax,
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value.slug).toBe('sample');
    expect(outcome.value.number).toBe(7);
    expect(outcome.value.steps.map((s) => [s.number, s.title, s.checks.length])).toEqual([
      [1, 'First', 0],
      [2, 'Second', 1],
    ]);
  });

  it('rejects missing front matter fields', () => {
    expect(problemsOf('01-a', { 'lesson.md': GOOD_MD.replace('title: A lesson\n', '') })).toMatch(
      /needs a "title"/,
    );
    expect(problemsOf('01-a', { 'lesson.md': '## Only\n\ntext' })).toMatch(/front matter/);
  });

  it('rejects a solution identical to its snippet, and one without the other', () => {
    expect(
      problemsOf('01-a', { 'lesson.md': GOOD_MD, 'snippet.js': 'x();', 'solution.js': 'x();\n' }),
    ).toMatch(/same as snippet/);
    expect(problemsOf('01-a', { 'lesson.md': GOOD_MD, 'snippet.js': 'x();' })).toMatch(/needs a solution/);
  });

  it('rejects a snippet that does not parse, and accepts top-level await', () => {
    expect(
      problemsOf('01-a', { 'lesson.md': GOOD_MD, 'snippet.js': 'const = 1;', 'solution.js': 'x();' }),
    ).toMatch(/snippet\.js does not parse/);
    expect(
      problemsOf('01-a', { 'lesson.md': GOOD_MD, 'snippet.js': 'await x();', 'solution.js': 'await y();' }),
    ).toBe('');
  });

  it('rejects checks for a step that does not exist or naming an unknown field', () => {
    const bad = JSON.stringify([
      { step: 3, expect: [{ type: 'frame', $label: 'x' }] },
      { step: 1, expect: [{ type: 'frame', dirr: 'client', $label: 'x' }] },
    ]);
    const problems = problemsOf('01-a', { 'lesson.md': GOOD_MD, 'checks.json': bad });
    expect(problems).toMatch(/"step" must be a step of this lesson, 1 to 2/);
    expect(problems).toMatch(/"dirr" is not a field of a frame event/);
  });

  it('rejects an unlabelled code block, a bad folder name and an unknown file', () => {
    expect(problemsOf('01-a', { 'lesson.md': GOOD_MD.replace('```js', '```') })).toMatch(
      /without a language/,
    );
    expect(problemsOf('1-Bad', { 'lesson.md': GOOD_MD })).toMatch(/NN-slug/);
    expect(problemsOf('01-a', { 'lesson.md': GOOD_MD, 'solutions.js': '' })).toMatch(/unknown file/);
  });

  it('ignores "## " lines inside fenced code', () => {
    const md = GOOD_MD.replace('```js\n', '```text\n## not a heading\n');
    const outcome = parseLesson('01-a', files({ 'lesson.md': md }), checkSnippetSyntax);
    expect(outcome.ok && outcome.value.steps.length).toBe(2);
  });
});
