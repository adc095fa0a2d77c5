/**
 * `nodepool config-validate` run as a process on every upstream fixture (upstream's verdict)
 * and on broken inputs (every problem on its own located line).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodepool } from '../../support/cli.js';
import {
  compatYamlFiles,
  isTemplated,
  upstreamVerdict,
  writeCompatFixture,
} from '../../support/compat-fixtures.js';

const FIXTURES = compatYamlFiles();
const isRoot = process.getuid?.() === 0;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'nodepool-cv-'));
}

/** Runs config-validate on `text` saved as nodepool.yaml in a temp dir (messages name "nodepool.yaml"). */
async function validateText(text: string, extra: string[] = []) {
  const dir = tempDir();
  writeFileSync(join(dir, 'nodepool.yaml'), text);
  return runNodepool([...extra, '-c', 'nodepool.yaml', 'config-validate'], { cwd: dir });
}

/** `line:column` (1-based) of the n-th occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 1): string {
  let index = -1;
  for (let i = 0; i < nth; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before[before.length - 1] ?? '').length + 1}`;
}

function lines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '');
}

describe.concurrent('nodepool config-validate on the upstream 0.4.0 fixtures', () => {
  it.each(FIXTURES)("gives upstream's verdict on %s (substituted)", async (name) => {
    const dir = tempDir();
    const path = writeCompatFixture(name, { dir });
    const r = await runNodepool(['-c', path, 'config-validate'], { cwd: dir });
    if (upstreamVerdict(name, true) === 'accept') {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toBe(`Configuration "${path}" is valid.\n`);
    } else {
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
    }
  });

  it.each(FIXTURES.filter((f) => isTemplated(f) || upstreamVerdict(f, false) === 'accept'))(
    "gives upstream's verdict on %s (not substituted)",
    async (name) => {
      const dir = tempDir();
      const path = writeCompatFixture(name, { dir, substituted: false });
      const r = await runNodepool(['-c', path, 'config-validate'], { cwd: dir });
      if (upstreamVerdict(name, false) === 'accept') {
        expect(r.code).toBe(0);
      } else {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(
          /^gearman-servers\[0\]\.port: expected an integer, got a mapping \(.*:\d+:11\)$/m,
        );
      }
    },
  );

  it('names the unknown top-level key of schema_error.yaml', async () => {
    const dir = tempDir();
    const path = writeCompatFixture('config_validate/schema_error.yaml', { dir });
    const r = await runNodepool(['-c', path, 'config-validate'], { cwd: dir });
    expect(lines(r.stderr)[0]).toBe(
      `nothandled: unknown key; allowed here: cron, dburi, diskimages, elements-dir, gearman-servers, images-dir, labels, providers, script-dir, stuck-after, targets, zmq-publishers, zookeeper-servers (${path}:4:1)`,
    );
  });

  it('reports the syntax error of yaml_error.yaml in one located line', async () => {
    const dir = tempDir();
    const path = writeCompatFixture('config_validate/yaml_error.yaml', { dir });
    const r = await runNodepool(['-c', path, 'config-validate'], { cwd: dir });
    expect(lines(r.stderr)).toEqual([
      `YAML syntax error: A block sequence may not be used as an implicit map key (${path}:95:2)`,
    ]);
  });
});

const BASE = `zookeeper-servers:
  - host: localhost
providers:
  - name: cloud1
    auth-url: fake
    max-servers: 10
    images:
      - name: trusty
        min-ram: 2048
labels:
  - name: small
    image: trusty
    providers:
      - name: cloud1
diskimages:
  - name: trusty
    elements: [ubuntu, vm]
`;

interface BrokenCase {
  readonly name: string;
  readonly text: string;
  /** Expected stderr lines; `@needle` or `@needle#n` is replaced by nodepool.yaml:line:column. */
  readonly expected: readonly string[];
}

function swap(from: string, to: string): string {
  if (!BASE.includes(from)) throw new Error(`"${from}" not in BASE`);
  return BASE.replace(from, to);
}

const CASES: BrokenCase[] = [
  {
    name: 'an integer key holding a word',
    text: swap('max-servers: 10', 'max-servers: ten'),
    expected: ['providers[0].max-servers: expected an integer, got "ten" (nodepool.yaml:6:18)'],
  },
  {
    name: 'a misspelt key',
    text: swap('max-servers: 10', 'max-server: 10'),
    expected: [
      'providers[0].max-server: unknown key, did you mean "max-servers"? (@max-server)',
      'providers[0]: missing required key "max-servers" (@name: cloud1)',
    ],
  },
  {
    name: 'missing providers section',
    text: 'labels:\n  - name: small\n    image: trusty\n    providers:\n      - name: cloud1\n',
    expected: [
      'missing required key "providers" (nodepool.yaml:1:1)',
      'labels[0].providers[0].name: label "small" requests non-existent provider "cloud1" (nodepool.yaml:5:15)',
    ],
  },
  {
    name: 'a provider image without min-ram',
    text: swap('        min-ram: 2048\n', ''),
    expected: ['providers[0].images[0]: missing required key "min-ram" (@name: trusty)'],
  },
  {
    name: 'a label without image',
    text: swap('    image: trusty\n', ''),
    expected: ['labels[0]: missing required key "image" (@name: small)'],
  },
  {
    name: 'a label naming an unknown provider',
    text: swap('      - name: cloud1\ndisk', '      - name: cloud2\ndisk'),
    expected: [
      'labels[0].providers[0].name: label "small" requests non-existent provider "cloud2" (@cloud2)',
    ],
  },
  {
    name: 'a label image its provider lacks',
    text: swap('    image: trusty', '    image: xenial'),
    expected: [
      'labels[0].image: image "xenial" is not among the images of provider "cloud1" (@xenial)',
    ],
  },
  {
    name: 'a provider image without a diskimage',
    text: swap('  - name: trusty\n    elements', '  - name: xenial\n    elements'),
    expected: [
      'providers[0].images[0].name: provider "cloud1" image "trusty" has no diskimage named "trusty" (@trusty)',
    ],
  },
  {
    name: 'two providers with one name',
    text: swap('labels:', '  - name: cloud1\n    max-servers: 1\n    images: []\nlabels:'),
    expected: ['providers[1].name: duplicate name "cloud1" (first used on line 4) (@cloud1#2)'],
  },
  {
    name: 'a cron string with 3 fields',
    text: `cron:\n  cleanup: '* * *'\n${BASE}`,
    expected: [
      'cron.cleanup: not a valid cron schedule "* * *": expected 5 fields (minute hour day month day-of-week) and an optional 6th (seconds), got 3 (nodepool.yaml:2:12)',
    ],
  },
  {
    name: 'a cron minute out of range',
    text: `cron:\n  check: '61 * * * *'\n${BASE}`,
    expected: [
      'cron.check: not a valid cron schedule "61 * * * *": Constraint error, got value 61 expected range 0-59 (nodepool.yaml:2:10)',
    ],
  },
  {
    name: 'an unknown cron job',
    text: `cron:\n  rebuild: '* * * * *'\n${BASE}`,
    expected: [
      'cron.rebuild: unknown key; allowed here: check, cleanup, image-update, update-image (nodepool.yaml:2:3)',
    ],
  },
  {
    name: 'an integer rate',
    text: swap('max-servers: 10', 'max-servers: 10\n    rate: 1'),
    expected: [
      'providers[0].rate: expected a float such as 1.0, got 1 (@rate: 1)'.replace(
        '@rate: 1',
        '@1\n#2',
      ),
    ],
  },
  {
    name: 'a non-string meta value',
    text: swap('min-ram: 2048', 'min-ram: 2048\n        meta:\n          count: 2'),
    expected: ['providers[0].images[0].meta.count: expected a string (quote it), got 2 (@2\n)'],
  },
  {
    name: 'a non-string env-vars value',
    text: swap(
      'elements: [ubuntu, vm]',
      'elements: [ubuntu, vm]\n    env-vars:\n      DIB_DEBUG: true',
    ),
    expected: ['diskimages[0].env-vars.DIB_DEBUG: expected a string (quote it), got true (@true)'],
  },
  {
    name: 'a network without a name',
    text: swap('max-servers: 10', 'max-servers: 10\n    networks:\n      - public: true'),
    expected: ['providers[0].networks[0]: missing required key "name" (@public)'],
  },
  {
    name: 'a network mixing both forms',
    text: swap(
      'max-servers: 10',
      'max-servers: 10\n    networks:\n      - name: private\n        net-id: abc',
    ),
    expected: [
      'providers[0].networks[0]: cannot mix keys "name", "net-id"; use one form: {name, public} or {net-id, net-label} (@name: private)',
    ],
  },
  {
    name: 'a boolean key holding a word',
    text: swap('elements: [ubuntu, vm]', 'elements: [ubuntu, vm]\n    pause: maybe'),
    expected: ['diskimages[0].pause: expected a boolean (true or false), got "maybe" (@maybe)'],
  },
  {
    name: 'an empty providers key',
    text: swap(
      'providers:\n  - name: cloud1\n    auth-url: fake\n    max-servers: 10\n    images:\n      - name: trusty\n        min-ram: 2048\n',
      'providers:\n',
    ),
    expected: [
      'providers: expected a list, got null (nodepool.yaml:3:11)',
      'labels[0].providers[0].name: label "small" requests non-existent provider "cloud1" (@cloud1)',
    ],
  },
  {
    name: 'a list at the top level',
    text: '- providers\n- labels\n',
    expected: ['expected a mapping, got a list (nodepool.yaml:1:1)'],
  },
  {
    name: 'a float release',
    text: swap('elements: [ubuntu, vm]', 'elements: [ubuntu, vm]\n    release: 7.1'),
    expected: ['diskimages[0].release: expected a string or an integer, got 7.1 (@7.1)'],
  },
  {
    name: 'a port given as text',
    text: swap('  - host: localhost', '  - host: localhost\n    port: zk'),
    expected: ['zookeeper-servers[0].port: expected an integer, got "zk" (@zk)'],
  },
  {
    name: 'a list where a list of mappings is expected',
    text: swap('    providers:\n      - name: cloud1\ndisk', '    providers: cloud1\ndisk'),
    expected: ['labels[0].providers: expected a list, got "cloud1" (@cloud1#2)'],
  },
  {
    name: 'a y/n value (a string in YAML 1.1 as PyYAML reads it)',
    text: swap('elements: [ubuntu, vm]', 'elements: [ubuntu, vm]\n    pause: y'),
    expected: [
      'diskimages[0].pause: expected a boolean (true or false), got "y" (nodepool.yaml:18:12)',
    ],
  },
  {
    name: 'a YAML syntax error',
    text: swap('    image: trusty', '    image: [trusty'),
    expected: [
      'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (nodepool.yaml:13:5)',
    ],
  },
  {
    name: 'an unknown provider driver',
    text: swap('auth-url: fake', 'auth-url: fake\n    driver: aws'),
    expected: ['providers[0].driver: unknown value "aws"; available: openstack (@aws)'],
  },
  {
    name: 'an empty file',
    text: '',
    expected: ['the file is empty; expected a mapping of settings (nodepool.yaml:1:1)'],
  },
  {
    name: 'a file of comments only',
    text: '# nothing yet\n',
    expected: ['the file is empty; expected a mapping of settings (nodepool.yaml:1:1)'],
  },
];

function expand(text: string, line: string): string {
  return line.replace(
    /\(@([^#)]+)(?:#(\d+))?\)/s,
    (_m, needle: string, nth?: string) =>
      `(nodepool.yaml:${at(text, needle, nth === undefined ? 1 : Number(nth))})`,
  );
}

describe.concurrent('nodepool config-validate on broken input', () => {
  it('accepts the valid base configuration used below', async () => {
    const r = await validateText(BASE);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: 'Configuration "nodepool.yaml" is valid.\n',
      stderr: '',
    });
  });

  it.each(CASES)('reports $name, located', async ({ text, expected }) => {
    const r = await validateText(text);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual(expected.map((l) => expand(text, l)));
  });

  it('lists every problem at once', async () => {
    const text = swap('max-servers: 10', 'max-servers: ten\n    boot-timeout: soon').replace(
      '    image: trusty',
      '    image: [1]',
    );
    const r = await validateText(text);
    expect(lines(r.stderr)).toEqual([
      `providers[0].max-servers: expected an integer, got "ten" (nodepool.yaml:${at(text, 'ten')})`,
      `providers[0].boot-timeout: expected an integer, got "soon" (nodepool.yaml:${at(text, 'soon')})`,
      `labels[0].image: expected a string, got a list (nodepool.yaml:${at(text, '[1]')})`,
    ]);
  });

  it('reports a missing file in one line without a stack trace', async () => {
    const r = await runNodepool(['-c', 'missing.yaml', 'config-validate'], { cwd: tempDir() });
    expect({ code: r.code, lines: lines(r.stderr) }).toEqual({
      code: 2,
      lines: ['Cannot read the file: the file does not exist (missing.yaml)'],
    });
  });

  it('reports a directory given as the file in one line', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    const r = await runNodepool(['-c', 'conf.d', 'config-validate'], { cwd: dir });
    expect(lines(r.stderr)).toEqual([
      'Cannot read the file: it is a directory, not a file (conf.d)',
    ]);
  });

  it.skipIf(isRoot)(
    'reports an unreadable file in one line (skipped as root: root reads any file)',
    async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'nodepool.yaml'), BASE);
      chmodSync(join(dir, 'nodepool.yaml'), 0o000);
      const r = await runNodepool(['-c', 'nodepool.yaml', 'config-validate'], { cwd: dir });
      expect(lines(r.stderr)).toEqual(['Cannot read the file: permission denied (nodepool.yaml)']);
    },
  );

  it('adds the stack trace only with --debug', async () => {
    const plain = await validateText('a: [\n');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await validateText('a: [\n', ['--debug']);
    expect(debug.stderr).toMatch(/ConfigError: Cannot load "nodepool.yaml"[^\n]*\n\s+at /);
    expect(debug.code).toBe(2);
  });
});
