/**
 * Benchmark: the cost of a log line written through a `-l` file handler, as pino JSON and as
 * text laid out by a Python `format=` (issue #17), in CPU time (the machine is shared, so
 * wall time moves). Goal: a text line costs at most 2× a JSON line, so switching the default
 * format does not slow the daemon noticeably.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLogger, setupLogging } from '../../src/log/index.js';

const LINES = 50_000;
const WARMUP = 5_000;
const GOAL_RATIO = 2;

const name = 'log-lines';
const goal = `text line ≤ ${GOAL_RATIO}× the CPU of a JSON line`;

function conf(dir: string, formatter: string): string {
  return [
    '[loggers]',
    'keys=root',
    '[handlers]',
    'keys=file',
    '[formatters]',
    'keys=f',
    '[logger_root]',
    'level=DEBUG',
    'handlers=file',
    '[handler_file]',
    'class=handlers.WatchedFileHandler',
    'formatter=f',
    `args=('${dir}/out.log',)`,
    '[formatter_f]',
    formatter,
  ].join('\n');
}

/** Microseconds per line written through a logging config with `formatter`. */
function measure(dir: string, formatter: string): { usPerLine: number; bytes: number } {
  rmSync(join(dir, 'out.log'), { force: true });
  writeFileSync(join(dir, 'l.conf'), conf(dir, formatter));
  const logging = setupLogging({ configPath: join(dir, 'l.conf') });
  const log = getLogger(logging.root, 'nodepool.NodePool', { provider: 'cloud-a' });
  try {
    for (let i = 0; i < WARMUP; i++)
      log.info('Need to launch %d %s nodes for %s', i, 'centos-7', 'cloud-a');
    const start = process.cpuUsage();
    for (let i = 0; i < LINES; i++)
      log.info('Need to launch %d %s nodes for %s', i, 'centos-7', 'cloud-a');
    const used = process.cpuUsage(start);
    return {
      usPerLine: (used.user + used.system) / LINES,
      bytes: statSync(join(dir, 'out.log')).size,
    };
  } finally {
    logging.close();
  }
}

async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-log-'));
  try {
    const json = measure(dir, 'class=pythonjsonlogger.jsonlogger.JsonFormatter');
    const text = measure(dir, 'format=%(asctime)s %(levelname)s %(name)s: %(message)s');
    const ratio = text.usPerLine / json.usPerLine;
    return Promise.resolve({
      figures: {
        'JSON CPU µs/line': Number(json.usPerLine.toFixed(2)),
        'text CPU µs/line': Number(text.usPerLine.toFixed(2)),
        'text/JSON': Number(ratio.toFixed(2)),
      },
      met: ratio <= GOAL_RATIO,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default { name, goal, run };
