/**
 * The three fuzzers: the config loader (`loadConfig` and `validateConfig` on mutated
 * upstream fixtures), the Jenkins ZeroMQ message parser (`parseJenkinsEvent`) and the
 * Gearman status parser (`parseStatusReply`, `computeDemand`). The contract checked: no
 * crash (only the documented error type), and every error is located (file + YAML path or
 * line; message offset or JSON path; status line number).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, loadConfig, validateConfig } from '../../../src/config/index.js';
import { computeDemand, parseStatusReply } from '../../../src/gearman/index.js';
import { formatJenkinsEvent, parseJenkinsEvent } from '../../../src/jenkins/index.js';
import {
  COMPAT_DIR,
  DEFAULT_SUBSTITUTIONS,
  substitute,
} from '../../../test/support/compat-fixtures.js';
import { fuzz, mutateText, mutateValue } from './fuzz.js';
import type { FuzzReport, FuzzVerdict } from './fuzz.js';
import type { Rng } from '../lib/rng.js';

interface ConfigSeed {
  text: string;
  /** The parsed document, or undefined when the fixture is not valid YAML (text mutations only). */
  doc: unknown;
}

function configSeeds(): ConfigSeed[] {
  const out: ConfigSeed[] = [];
  for (const sub of ['', 'config_validate']) {
    const dir = path.join(COMPAT_DIR, sub);
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort()) {
      const text = substitute(readFileSync(path.join(dir, f), 'utf8'), DEFAULT_SUBSTITUTIONS);
      let doc: unknown;
      try {
        doc = parse(text);
      } catch {
        doc = undefined;
      }
      out.push({ text, doc });
    }
  }
  return out;
}

function checkConfigError(err: unknown, file: string): FuzzVerdict {
  if (!(err instanceof ConfigError))
    return {
      finding: `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of a ConfigError`,
    };
  if (err.problems.length === 0) return { finding: `ConfigError without problems: ${err.message}` };
  for (const p of err.problems) {
    if (p.file !== file)
      return { finding: `problem names file "${p.file}", not "${file}": ${p.message}` };
    if (
      p.path.length === 0 &&
      p.line === undefined &&
      !/top level|document|empty|mapping/i.test(p.message)
    )
      return { finding: `problem with neither YAML path nor line: ${p.message}` };
  }
  return 'rejected';
}

/** Config loader fuzzing: half text mutations, half structure mutations of the fixtures. */
export async function fuzzConfig(seed: number, cases: number): Promise<FuzzReport> {
  const seeds = configSeeds();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-fuzz-config-'));
  const file = path.join(dir, 'nodepool.yaml');
  const clouds = path.join(dir, 'clouds.yaml');
  writeFileSync(
    clouds,
    'clouds:\n  fake:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n      username: u\n      password: p\n      project_name: p\n    region_name: RegionOne\n',
  );
  try {
    return await fuzz(seed, cases, async (rng: Rng) => {
      const base = rng.pick(seeds);
      let text: string;
      if (base.doc === undefined || rng.chance(0.5)) text = mutateText(rng, base.text);
      else {
        let doc: unknown = base.doc;
        for (let k = rng.int(1, 3); k > 0; k--) doc = mutateValue(rng, doc);
        text = stringify(doc);
      }
      writeFileSync(file, text);
      const env = { OS_CLIENT_CONFIG_FILE: clouds };
      let verdict: FuzzVerdict = 'accepted';
      try {
        await loadConfig(file, { env, cwd: dir, retryMissing: false });
      } catch (err) {
        verdict = checkConfigError(err, file);
      }
      if (typeof verdict === 'object') return verdict;
      try {
        await validateConfig(file);
      } catch (err) {
        const v = checkConfigError(err, file);
        if (typeof v === 'object') return { finding: `validateConfig: ${v.finding}` };
        return 'rejected';
      }
      return verdict;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function jenkinsSeed(rng: Rng): string {
  const topic = rng.pick(['onStarted', 'onCompleted', 'onFinalized']);
  return formatJenkinsEvent(topic, {
    name: 'gate-job',
    url: 'job/gate-job/',
    build: {
      full_url: 'http://j/job/gate-job/1/',
      number: rng.int(1, 1000),
      phase: 'STARTED',
      status: 'SUCCESS',
      url: 'job/gate-job/1/',
      node_name: `node-${rng.int(1, 99)}`,
      parameters: { ZUUL_BRANCH: 'master' },
    },
  });
}

/** ZeroMQ message parser fuzzing: strings and raw bytes. */
export function fuzzJenkins(seed: number, cases: number): Promise<FuzzReport> {
  return fuzz(seed, cases, (rng) => {
    const base = jenkinsSeed(rng);
    let input: string | Uint8Array;
    const mode = rng.int(0, 3);
    if (mode === 0) input = mutateText(rng, base);
    else if (mode === 1) {
      const space = base.indexOf(' ');
      input = `${base.slice(0, space)} ${JSON.stringify(mutateValue(rng, JSON.parse(base.slice(space + 1))))}`;
    } else if (mode === 2)
      input = Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
    else input = Buffer.from(mutateText(rng, base), 'latin1');
    const r = parseJenkinsEvent(input);
    const length = typeof input === 'string' ? input.length : input.length;
    if (r.kind === 'event')
      return r.event.nodeName !== '' && typeof r.event.jobName === 'string'
        ? 'accepted'
        : { finding: `event without node or job name: ${JSON.stringify(r.event)}` };
    if (r.kind === 'ignored') return 'rejected';
    if (r.error.code !== 'ERR_JENKINS_EVENT')
      return { finding: `error code is ${r.error.code}, not ERR_JENKINS_EVENT` };
    const { offset, path: at } = r.error.details ?? {};
    const located =
      (typeof offset === 'number' && offset >= 0 && offset <= length) ||
      (typeof at === 'string' && at !== '');
    // Undecodable bytes have no character offset to give.
    if (!located && !/UTF-8/.test(r.error.message))
      return {
        finding: `unlocated error: ${r.error.message} (at ${JSON.stringify(r.error.details)})`,
      };
    return 'rejected';
  });
}

const FN = [
  'build:job:label',
  'build:job',
  'build:',
  'build:a:b:c',
  'merger:merge',
  'build:x:',
  ':',
  'build:💥:l',
];
const COUNT = [
  '0',
  '1',
  '42',
  '-3',
  '+5',
  '99999999999999999999',
  'x',
  '',
  ' 7 ',
  '1e3',
  '0x10',
  '٣',
];

/** Gearman status parser fuzzing: generated replies, some mutated. */
export function fuzzGearman(seed: number, cases: number): Promise<FuzzReport> {
  return fuzz(seed, cases, (rng) => {
    const lines: string[] = [];
    for (let k = rng.int(0, 8); k > 0; k--) {
      const fields = [rng.pick(FN), rng.pick(COUNT), rng.pick(COUNT), rng.pick(COUNT)].slice(
        0,
        rng.int(1, 5),
      );
      lines.push(fields.join(rng.chance(0.9) ? '\t' : rng.pick([' ', '\t\t', ''])));
    }
    if (rng.chance(0.8)) lines.push('.');
    let reply = lines.join(rng.chance(0.9) ? '\n' : '\r\n') + (rng.chance(0.5) ? '\n' : '');
    if (rng.chance(0.3)) reply = mutateText(rng, reply);
    const nLines = reply.split('\n').length;
    const parsed = parseStatusReply(reply, { server: '127.0.0.1:4730' });
    for (const e of parsed.entries) {
      // A count of hundreds of digits reads as Infinity (upstream's Python int: a huge number); NaN would be a bug.
      if (Number.isNaN(e.queued)) return { finding: `queued count NaN for ${e.fn}` };
      if (e.line < 1 || e.line > nLines)
        return { finding: `entry line ${e.line} outside 1..${nLines}` };
    }
    for (const p of parsed.problems) {
      if (p.line < 1 || p.line > nLines || p.message === '' || p.server !== '127.0.0.1:4730')
        return { finding: `unlocated problem ${JSON.stringify(p)}` };
    }
    const demand = computeDemand([reply, { server: 's2', reply }]);
    for (const [label, n] of demand.demand)
      if (Number.isNaN(n) || n <= 0) return { finding: `demand ${n} for label ${label}` };
    return parsed.problems.length > 0 ? 'rejected' : 'accepted';
  });
}
