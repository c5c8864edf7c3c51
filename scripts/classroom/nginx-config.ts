// The nginx config of one local class, made from deploy/nginx.conf so that what a teacher deploys
// and what the tests and the benchmark run are the same routing: only the addresses and the
// paths nginx writes to change.

export interface NginxRun {
  /** The address nginx listens on, e.g. `127.0.0.1:8080`. */
  listen: string;
  /** The instances' `host:port`, in the upstream's order. */
  instances: readonly string[];
  /** A writable folder for the pid file, the logs and the temp files. */
  dir: string;
}

const UPSTREAM_BLOCK = /(upstream\s+wslab\s*\{)([^}]*)(\})/;
const UPSTREAM_SERVER = /^[ \t]*server\s+[^;]+;[ \t]*\n/gm;
const LISTEN = /^([ \t]*)listen\s+[^;]+;/gm;
const HTTP_OPEN = /^http\s*\{[ \t]*\n/m;

/** deploy/nginx.conf with this run's addresses and paths; throws when the template lost its shape. */
export function nginxConfigFor(template: string, run: NginxRun): string {
  const upstream = UPSTREAM_BLOCK.exec(template);
  if (!upstream) throw new Error('deploy/nginx.conf has no `upstream wslab { … }` block');
  const body = upstream[2]!;
  const firstServer = body.search(/^[ \t]*server\s/m);
  if (firstServer < 0) throw new Error('the upstream in deploy/nginx.conf names no `server`');
  const indent = /^[ \t]*/.exec(body.slice(firstServer))![0];
  const servers = run.instances.map((address) => `${indent}server ${address};\n`).join('');
  // The instances take the place of the first `server` line; the template's own lines go.
  const newBody = body.slice(0, firstServer) + servers + body.slice(firstServer).replace(UPSTREAM_SERVER, '');

  const listens = template.match(LISTEN) ?? [];
  if (listens.length !== 1) throw new Error(`deploy/nginx.conf has ${listens.length} listen lines, not one`);

  if (!HTTP_OPEN.test(template)) throw new Error('deploy/nginx.conf has no `http {` line');

  const path = (name: string): string => `${run.dir}/${name}`;
  return [
    `pid ${path('nginx.pid')};`,
    `error_log ${path('error.log')} warn;`,
    '',
    template
      .replace(UPSTREAM_BLOCK, (_all, open: string, _body: string, close: string) => open + newBody + close)
      .replace(LISTEN, (_all, lineIndent: string) => `${lineIndent}listen ${run.listen};`)
      // Where nginx writes, all inside this run's folder rather than /var/lib/nginx and /var/log.
      .replace(
        HTTP_OPEN,
        (open) =>
          open +
          [
            `access_log ${path('access.log')};`,
            `client_body_temp_path ${path('client_body')};`,
            `proxy_temp_path ${path('proxy')};`,
            `fastcgi_temp_path ${path('fastcgi')};`,
            `uwsgi_temp_path ${path('uwsgi')};`,
            `scgi_temp_path ${path('scgi')};`,
          ]
            .map((line) => `  ${line}\n`)
            .join(''),
      ),
  ].join('\n');
}
