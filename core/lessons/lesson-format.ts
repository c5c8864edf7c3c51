// The one module that knows what a lesson folder holds (lessons/README.md). Pure: it turns file
// contents into a Lesson or a list of problems, so the loader (Node) and its unit test share it.
import type { Result } from '../result';
import { type CheckEntry, type StepChecks, validateCheckEntry } from './checks';

/** `01-what-is-a-websocket`: the number orders the course, the slug is the deep-link id. */
export const LESSON_FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export const LESSON_FILES = ['lesson.md', 'snippet.js', 'solution.js', 'checks.json'] as const;
export type LessonFileName = (typeof LESSON_FILES)[number];

/** Front-matter keys: `title` and `summary` are required; `source: echo` shows the echo handler. */
const FRONT_MATTER_KEYS = new Set(['title', 'summary', 'source']);
const SOURCES = new Set(['echo']);

export interface LessonStep {
  /** From 1, in the order of the `## ` headings. */
  number: number;
  title: string;
  /** The step's prose, Markdown, without its heading. */
  markdown: string;
  /** What the tap must show for the step to be done; empty: done when opened. */
  checks: CheckEntry[];
}

export interface Lesson {
  slug: string;
  number: number;
  title: string;
  summary: string;
  /** A read-only server source shown beside the lesson (`echo`), if any. */
  source?: string;
  steps: LessonStep[];
  snippet?: string;
  solution?: string;
}

/** What the course index carries: enough for a table of contents. */
export interface LessonSummary {
  slug: string;
  number: number;
  title: string;
  summary: string;
  steps: { number: number; title: string; checks: number }[];
}

export function summarise(lesson: Lesson): LessonSummary {
  const { slug, number, title, summary } = lesson;
  return {
    slug,
    number,
    title,
    summary,
    steps: lesson.steps.map((step) => ({
      number: step.number,
      title: step.title,
      checks: step.checks.length,
    })),
  };
}

export type SyntaxCheck = (code: string) => string | null;

/** A fenced code block: its language (the info string's first word) and body. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence in the Markdown it came from. */
  line: number;
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks of a Markdown text, in order. An unterminated fence is reported as such. */
export function codeBlocks(markdown: string): { blocks: CodeBlock[]; unterminated: number | null } {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const lang = open[3]!.trim().split(/\s+/)[0] ?? '';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence[0]!.repeat(fence.length)) && line.trim().replace(/[`~]/g, '') === '')
        break;
      body.push(line);
    }
    if (j >= lines.length) return { blocks, unterminated: i + 1 };
    blocks.push({ lang, code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return { blocks, unterminated: null };
}

interface FrontMatter {
  fields: Map<string, string>;
  /** Line index where the body starts. */
  bodyStart: number;
}

function parseFrontMatter(lines: string[], problems: string[]): FrontMatter | null {
  if (lines[0]?.trim() !== '---') {
    problems.push('lesson.md: must start with front matter between two --- lines');
    return null;
  }
  const fields = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '---') return { fields, bodyStart: i + 1 };
    if (line.trim() === '') continue;
    const match = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!match) {
      problems.push(`lesson.md:${i + 1}: front matter lines are "key: value", got ${JSON.stringify(line)}`);
      continue;
    }
    const [, key, value] = match as unknown as [string, string, string];
    if (!FRONT_MATTER_KEYS.has(key)) {
      problems.push(
        `lesson.md:${i + 1}: unknown front-matter key "${key}"; known: ${[...FRONT_MATTER_KEYS].join(', ')}`,
      );
    }
    if (fields.has(key)) problems.push(`lesson.md:${i + 1}: "${key}" is given twice`);
    fields.set(key, value.trim());
  }
  problems.push('lesson.md: the front matter has no closing --- line');
  return null;
}

function parseChecks(text: string, stepCount: number, problems: string[]): Map<number, CheckEntry[]> {
  const byStep = new Map<number, CheckEntry[]>();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    problems.push(`checks.json: not valid JSON: ${(error as Error).message}`);
    return byStep;
  }
  if (!Array.isArray(data)) {
    problems.push('checks.json: must be an array of {"step": N, "expect": [...]}');
    return byStep;
  }
  data.forEach((item: unknown, index) => {
    const where = `checks.json[${index}]`;
    if (typeof item !== 'object' || item === null) {
      problems.push(`${where}: must be an object with "step" and "expect"`);
      return;
    }
    const { step, expect, ...rest } = item as Partial<StepChecks> & Record<string, unknown>;
    for (const key of Object.keys(rest)) problems.push(`${where}: unknown key "${key}"`);
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 1 || step > stepCount) {
      problems.push(
        `${where}: "step" must be a step of this lesson, 1 to ${stepCount}, got ${JSON.stringify(step)}`,
      );
      return;
    }
    if (byStep.has(step)) problems.push(`${where}: step ${step} already has checks; put them in one entry`);
    if (!Array.isArray(expect) || expect.length === 0) {
      problems.push(`${where}: "expect" must be a non-empty array`);
      return;
    }
    expect.forEach((entry, e) => {
      for (const problem of validateCheckEntry(entry)) problems.push(`${where}.expect[${e}]: ${problem}`);
    });
    byStep.set(step, expect as CheckEntry[]);
  });
  return byStep;
}

/**
 * Parses one lesson folder from its files. `files` maps each file name found in the folder to its
 * text; `syntax` reports a JavaScript syntax error (the loader passes Node's parser).
 */
export function parseLesson(
  folder: string,
  files: ReadonlyMap<string, string>,
  syntax?: SyntaxCheck,
): Result<Lesson, string[]> {
  const problems: string[] = [];
  const name = LESSON_FOLDER.exec(folder);
  if (!name)
    problems.push(`the folder name must be NN-slug (two digits, a dash, lowercase words), got "${folder}"`);
  for (const file of files.keys()) {
    if (!(LESSON_FILES as readonly string[]).includes(file)) {
      problems.push(`unknown file "${file}"; a lesson folder holds ${LESSON_FILES.join(', ')}`);
    }
  }
  const markdown = files.get('lesson.md');
  if (markdown === undefined) return { ok: false, error: [...problems, 'lesson.md is missing'] };

  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const front = parseFrontMatter(lines, problems);
  const title = front?.fields.get('title') ?? '';
  const summary = front?.fields.get('summary') ?? '';
  if (front && !title) problems.push('lesson.md: front matter needs a "title"');
  if (front && !summary) problems.push('lesson.md: front matter needs a "summary"');
  const source = front?.fields.get('source');
  if (source !== undefined && !SOURCES.has(source)) {
    problems.push(`lesson.md: "source" must be one of ${[...SOURCES].join(', ')}, got "${source}"`);
  }

  // Steps: one per `## ` heading, numbered from 1. Fenced code may hold `## ` lines; skip them.
  const steps: { title: string; body: string[]; line: number }[] = [];
  const before: string[] = [];
  let fence: string | null = null;
  for (let i = front?.bodyStart ?? 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE.exec(line);
    if (open) fence = fence === null ? open[2]![0]! : line.trim().startsWith(fence) ? null : fence;
    const heading = fence === null ? /^## (.+)$/.exec(line) : null;
    if (heading) {
      steps.push({ title: heading[1]!.trim(), body: [], line: i + 1 });
    } else if (steps.length > 0) {
      steps[steps.length - 1]!.body.push(line);
    } else {
      before.push(line);
    }
  }
  if (before.some((line) => line.trim() !== '')) {
    problems.push('lesson.md: text before the first "## " heading belongs to no step');
  }
  if (steps.length === 0) problems.push('lesson.md: no steps; each step starts with a "## " heading');
  for (const [index, step] of steps.entries()) {
    const body = step.body.join('\n').trim();
    if (!body) problems.push(`lesson.md:${step.line}: step ${index + 1} ("${step.title}") has no text`);
    const { blocks, unterminated } = codeBlocks(body);
    if (unterminated !== null)
      problems.push(`lesson.md: step ${index + 1} has a code fence that is never closed`);
    for (const block of blocks) {
      if (!block.lang) {
        problems.push(
          `lesson.md: step ${index + 1} has a code block without a language; write \`\`\`js, \`\`\`text, \`\`\`http…`,
        );
      } else if (block.lang === 'js' && syntax) {
        const error = syntax(block.code);
        if (error) problems.push(`lesson.md: step ${index + 1}: a js code block does not parse: ${error}`);
      }
    }
  }

  const snippet = files.get('snippet.js');
  const solution = files.get('solution.js');
  if (snippet !== undefined && solution === undefined)
    problems.push('snippet.js needs a solution.js beside it');
  if (solution !== undefined && snippet === undefined)
    problems.push('solution.js needs a snippet.js beside it');
  if (snippet !== undefined && solution !== undefined && snippet.trim() === solution.trim()) {
    problems.push('solution.js is the same as snippet.js; the solution must show the finished work');
  }
  for (const [file, code] of [
    ['snippet.js', snippet],
    ['solution.js', solution],
  ] as const) {
    if (code === undefined || !syntax) continue;
    const error = syntax(code);
    if (error) problems.push(`${file} does not parse: ${error}`);
  }

  const checksText = files.get('checks.json');
  const checks =
    checksText === undefined
      ? new Map<number, CheckEntry[]>()
      : parseChecks(checksText, steps.length, problems);

  if (problems.length > 0) return { ok: false, error: problems };
  const lesson: Lesson = {
    slug: name![2]!,
    number: Number(name![1]),
    title,
    summary,
    steps: steps.map((step, index) => ({
      number: index + 1,
      title: step.title,
      markdown: step.body.join('\n').trim(),
      checks: checks.get(index + 1) ?? [],
    })),
  };
  if (source !== undefined) lesson.source = source;
  if (snippet !== undefined) lesson.snippet = snippet;
  if (solution !== undefined) lesson.solution = solution;
  return { ok: true, value: lesson };
}
