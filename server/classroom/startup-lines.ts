// What start-up says about classroom mode, plainly: who sees what, and what is switched off.
import type { ServerOptions } from '../server';
import { isClassroom } from './classroom';

export function classroomLines(options: ServerOptions): string[] {
  if (!isClassroom(options)) {
    const exposed = options.classroom === false && options.host !== undefined;
    return exposed
      ? ['no classroom mode (--no-classroom): everyone who can reach this address sees all the traffic']
      : [];
  }
  const why =
    options.classroom === true
      ? '--classroom'
      : `--host ${options.host ?? ''} is reachable from other machines`;
  return [
    `classroom mode (${why}):`,
    '  each browser that opens the page is a learner and sees only its own connections on the',
    '  tap, in the inspector and in the exports; scripts need a session or the instructor token',
    options.allowProxy
      ? '  /proxy and workbench targets other than wslab are ON (--allow-proxy): learners can reach this machine and its network through them'
      : '  /proxy and workbench targets other than wslab itself are off (start with --allow-proxy to allow them)',
    ...(options.redis
      ? [
          `  one class with every instance started with --redis ${options.redis}: learners, sessions and the`,
          '  board are shared; keep each learner on one instance with nginx (deploy/nginx.conf)',
        ]
      : []),
  ];
}
