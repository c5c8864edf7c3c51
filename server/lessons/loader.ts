// Reads the lessons/ folder and validates every lesson in it (lesson-format.ts holds the rules).
// A broken lesson is reported, never half-shown: the course carries the good ones and the problems.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Script } from 'node:vm';
import { LESSON_FOLDER, type Lesson, parseLesson } from '../../core/lessons/lesson-format';

export interface Course {
  lessons: Lesson[];
  /** Per folder, what is wrong with it. Empty when every lesson is fine. */
  problems: { folder: string; problems: string[] }[];
}

/**
 * Does this snippet parse as the sandbox runs it (the body of an async function, so top-level
 * `await` works)? Parsing only: nothing runs.
 */
export function checkSnippetSyntax(code: string): string | null {
  try {
    new Script(`(async () => {\n${code}\n})`, { filename: 'snippet.js', lineOffset: -1 });
    return null;
  } catch (error) {
    const err = error as SyntaxError & { stack?: string };
    const line = /snippet\.js:(\d+)/.exec(err.stack ?? '')?.[1];
    return line ? `${err.message} (line ${line})` : err.message;
  }
}

export async function loadLesson(
  lessonsDir: string,
  folder: string,
): Promise<Lesson | { problems: string[] }> {
  const dir = path.join(lessonsDir, folder);
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) files.set(entry.name, await readFile(path.join(dir, entry.name), 'utf8'));
    else files.set(`${entry.name}/`, '');
  }
  const outcome = parseLesson(folder, files, checkSnippetSyntax);
  return outcome.ok ? outcome.value : { problems: outcome.error };
}

/** Every `NN-slug` folder of lessonsDir, validated, in course order. */
export async function loadCourse(lessonsDir: string): Promise<Course> {
  const entries = await readdir(lessonsDir, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory() && /^\d/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const course: Course = { lessons: [], problems: [] };
  const seenNumbers = new Map<number, string>();
  const seenSlugs = new Map<string, string>();
  for (const folder of folders) {
    const loaded = await loadLesson(lessonsDir, folder);
    const problems = 'problems' in loaded ? [...loaded.problems] : [];
    const match = LESSON_FOLDER.exec(folder);
    if (match) {
      const number = Number(match[1]);
      const slug = match[2]!;
      const sameNumber = seenNumbers.get(number);
      if (sameNumber) problems.push(`lesson number ${match[1]} is also used by ${sameNumber}`);
      const sameSlug = seenSlugs.get(slug);
      if (sameSlug) problems.push(`slug "${slug}" is also used by ${sameSlug}`);
      seenNumbers.set(number, folder);
      seenSlugs.set(slug, folder);
    }
    if (problems.length > 0) course.problems.push({ folder, problems });
    else course.lessons.push(loaded as Lesson);
  }
  return course;
}
