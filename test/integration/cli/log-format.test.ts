/**
 * Log lines as an operator reads them (issue #17): the CLI and a daemon in a pseudo-terminal
 * (util-linux `script`) write Python nodepool's text lines
 * (`2017-03-29 10:00:00,123 INFO nodepool.NodePool: ...`), the CLI says nothing at INFO
 * unless `--debug`, and its records carry a logger name a `qualname=nodepool` handler of a
 * `-l` file catches.
 */
import { execFile, spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

const hasScript = await new Promise<boolean>((res) =>
  execFile('script', ['--version'], (err) => res(err === null)),
);
if (!hasScript) process.stderr.write('SKIPPED pty log tests: util-linux script is missing\n');

/** `2026-12-07 15:06:56,757 INFO name: message` */
const TEXT_LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: /;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-logfmt-'));
  writeFileSync(join(dir, 'nodepool.yaml'), 'providers: []\nlabels: []\n');
  writeFileSync(join(dir, 'secure.conf'), `[database]\ndburi=sqlite:///${dir}/nodepool.sqlite\n`);
  writeFileSync(
    join(dir, 'db-down.conf'),
    '[database]\ndburi=mysql://nodepool:x@127.0.0.1:1/nodepool\n',
  );
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `argv` in a pseudo-terminal; resolves with the terminal's text (CRLF → LF). */
function inPty(argv: string[]): Promise<{ code: number; output: string }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((res) => {
    execFile(
      'script',
      ['-qefc', quoted, '/dev/null'],
      { cwd: dir, timeout: 60_000, env: { ...process.env, NODEPOOL_LOG_FORMAT: '' } },
      (err, stdout) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        res({ code, output: stdout.replace(/\r\n/g, '\n') });
      },
    );
  });
}

const cli = (...args: string[]): string[] => [
  process.execPath,
  join(ROOT, 'bin/nodepool'),
  '-c',
  join(dir, 'nodepool.yaml'),
  '-s',
  join(dir, 'secure.conf'),
  ...args,
];

describe.skipIf(!hasScript)('log lines at a terminal', () => {
  it('the CLI shows its table and no INFO chatter without --debug', async () => {
    const r = await inPty(cli('list'));
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^\| ID +\| Provider /m);
    expect(r.output).not.toMatch(/INFO|Created tables|^\{/m);
  });

  it('the CLI writes text lines with its logger name under --debug', async () => {
    const r = await inPty(cli('--debug', 'list'));
    expect(r.code).toBe(0);
    const created = r.output.split('\n').find((l) => l.includes('Created tables'));
    expect(created).toMatch(TEXT_LINE);
    expect(created).toMatch(/ INFO nodepool\.cmd\.nodepoolcmd: Created tables node, subnode, job/);
    expect(r.output).not.toMatch(/^\{"level"/m);
  });

  it('a daemon in the foreground writes text lines', async () => {
    const r = await inPty([
      process.execPath,
      join(ROOT, 'bin/nodepoold'),
      '-d',
      '--fail-fast',
      '-c',
      join(dir, 'nodepool.yaml'),
      '-s',
      join(dir, 'db-down.conf'),
      '-p',
      join(dir, 'nodepoold.pid'),
    ]);
    expect(r.code).toBe(1);
    const lines = r.output.split('\n').filter((l) => l !== '');
    expect(lines.find((l) => l.includes('Starting nodepoold'))).toMatch(
      /^\S+ \S+,\d{3} INFO nodepool\.cmd\.nodepoold: Starting nodepoold 0\.4\.0 \(pid \d+\)$/,
    );
    expect(lines.find((l) => l.includes('Cannot start'))).toMatch(
      /^\S+ \S+,\d{3} ERROR nodepool\.cmd\.nodepoold: Cannot start nodepoold: Cannot connect to the database/,
    );
    expect(r.output).not.toMatch(/^\s+at /m);
  });
});

describe('a daemon under systemd', () => {
  /** Runs nodepoold (failing fast) with stderr on `file` and JOURNAL_STREAM naming `journal`. */
  async function daemonWithStderr(file: string, journal: string): Promise<string> {
    writeFileSync(file, '');
    writeFileSync(journal, '', { flag: 'a' });
    const st = statSync(journal);
    const fd = openSync(file, 'a');
    try {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin/nodepoold'),
          '-d',
          '--fail-fast',
          '-c',
          join(dir, 'nodepool.yaml'),
          '-s',
          join(dir, 'db-down.conf'),
        ],
        {
          cwd: dir,
          stdio: ['ignore', 'ignore', fd],
          env: { ...process.env, NODEPOOL_LOG_FORMAT: '', JOURNAL_STREAM: `${st.dev}:${st.ino}` },
        },
      );
      expect(await new Promise((res) => child.on('close', res))).toBe(1);
    } finally {
      closeSync(fd);
    }
    return readFileSync(file, 'utf8');
  }

  it('writes text lines when stderr is the journal JOURNAL_STREAM names, JSON otherwise', async () => {
    const journal = join(dir, 'journal');
    expect((await daemonWithStderr(journal, journal)).split('\n')[0]).toMatch(
      / INFO nodepool\.cmd\.nodepoold: Starting nodepoold 0\.4\.0/,
    );
    // Inherited by a process whose stderr is elsewhere (a pipe, a file): JSON lines.
    const other = join(dir, 'stderr.log');
    expect(JSON.parse((await daemonWithStderr(other, journal)).split('\n')[0] ?? '')).toMatchObject(
      {
        level: 30,
        name: 'nodepool.cmd.nodepoold',
      },
    );
  });
});

describe('the CLI with -l', () => {
  it('sends its records to a qualname=nodepool handler, laid out by format=', async () => {
    writeFileSync(
      join(dir, 'logging.conf'),
      [
        '[loggers]',
        'keys=root,nodepool',
        '[handlers]',
        'keys=null,file',
        '[formatters]',
        'keys=simple',
        '[logger_root]',
        'level=WARNING',
        'handlers=null',
        '[logger_nodepool]',
        'level=INFO',
        'handlers=file',
        'qualname=nodepool',
        'propagate=0',
        '[handler_null]',
        'class=NullHandler',
        'args=()',
        '[handler_file]',
        'class=FileHandler',
        'formatter=simple',
        `args=('${dir}/cli.log',)`,
        '[formatter_simple]',
        'format=%(levelname)s %(name)s: %(message)s',
      ].join('\n'),
    );
    const [node = process.execPath, ...args] = cli('-l', join(dir, 'logging.conf'), 'list');
    const r = await new Promise<{ code: number; stderr: string }>((res) => {
      execFile(node, args, { cwd: dir }, (err, _out, stderr) =>
        res({ code: err === null ? 0 : Number(err.code), stderr }),
      );
    });
    expect(r).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'cli.log'), 'utf8')).toBe(
      'INFO nodepool.cmd.nodepoolcmd: Created tables node, subnode, job\n',
    );
  });
});
