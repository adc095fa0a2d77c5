import { describe, expect, it } from 'vitest';
import { parseJenkinsEvent } from '../../../src/jenkins/index.js';

const SAMPLE =
  'onFinalized {"name":"test","url":"job/test/","build":{"full_url":"http://localhost:8080/job/test/1/","number":1,' +
  '"phase":"FINISHED","status":"SUCCESS","url":"job/test/1/","node_name":"fake-label-fake-provider-1",' +
  '"parameters":{"ZUUL_BRANCH":"master"}}}';

describe('parseJenkinsEvent', () => {
  it('reads the upstream sample event', () => {
    expect(parseJenkinsEvent(SAMPLE)).toEqual({
      kind: 'event',
      event: {
        topic: 'onFinalized',
        phase: 'finalized',
        jobName: 'test',
        nodeName: 'fake-label-fake-provider-1',
        status: 'SUCCESS',
        branch: 'master',
        parameters: { ZUUL_BRANCH: 'master' },
        fullUrl: 'http://localhost:8080/job/test/1/',
        number: 1,
      },
    });
  });

  it('accepts bytes and any whitespace after the topic', () => {
    const r = parseJenkinsEvent(Buffer.from('onStarted \t {"name":"j","build":{"node_name":"n"}}'));
    expect(r.kind === 'event' && r.event.nodeName).toBe('n');
  });

  it('defaults the branch to unknown_branch without parameters or ZUUL_BRANCH', () => {
    for (const params of [
      '',
      ',"parameters":{}',
      ',"parameters":null',
      ',"parameters":{"X":"1"}',
    ]) {
      const r = parseJenkinsEvent(
        `onFinalized {"name":"j","build":{"node_name":"n","status":"FAILURE"${params}}}`,
      );
      expect(r.kind === 'event' && r.event.branch).toBe('unknown_branch');
    }
  });

  it('ignores events without a node name, as upstream', () => {
    expect(parseJenkinsEvent('onStarted {"name":"j","build":{}}')).toEqual({
      kind: 'ignored',
      reason: 'onStarted event has no build.node_name',
    });
    expect(parseJenkinsEvent('onStarted {"name":"j","build":{"node_name":""}}').kind).toBe(
      'ignored',
    );
  });

  it("reports JSON syntax errors with the parser's message, located in the whole message", () => {
    const r = parseJenkinsEvent('onStarted {"name": }');
    expect(r.kind).toBe('error');
    if (r.kind !== 'error') return;
    expect(r.error.code).toBe('ERR_JENKINS_EVENT');
    expect(r.error.details?.offset).toBe(10);
    expect(r.error.message).toMatch(/^Cannot parse Jenkins onStarted event JSON: /);
    const trailing = parseJenkinsEvent('onStarted {"a": 1} x');
    if (trailing.kind !== 'error') throw new Error('expected an error');
    // V8 names the position here: 9 characters into the JSON, which starts at 10.
    expect(trailing.error.details?.offset).toBe(19);
  });

  it('names the bad field', () => {
    const cases: Array<[string, string, string]> = [
      [
        'onStarted {"name":"j"}',
        'build',
        'Cannot read Jenkins onStarted event: "build" must be an object',
      ],
      [
        'onStarted {"name":"j","build":[]}',
        'build',
        'Cannot read Jenkins onStarted event: "build" must be an object',
      ],
      [
        'onStarted {"build":{"node_name":"n"}}',
        'name',
        'Cannot read Jenkins onStarted event: "name" must be a string: current value is missing',
      ],
      [
        'onStarted {"name":"j","build":{"node_name":7}}',
        'build.node_name',
        'Cannot read Jenkins onStarted event: "build.node_name" must be a string: current value is 7',
      ],
    ];
    for (const [msg, path, text] of cases) {
      const r = parseJenkinsEvent(msg);
      expect(r.kind === 'error' && [r.error.details?.path, r.error.message]).toEqual([path, text]);
    }
  });

  it('rejects unknown topics, missing JSON, non-objects and invalid UTF-8', () => {
    const msgs: Array<string | Uint8Array> = [
      'onPaused {}',
      'onStarted',
      '',
      'onStarted [1]',
      'onStarted 42',
      new Uint8Array([0x6f, 0x20, 0xc3]),
    ];
    for (const m of msgs) expect(parseJenkinsEvent(m).kind).toBe('error');
  });

  it('never throws on random input', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      'onStarted',
      'onFinalized',
      ' ',
      '{',
      '}',
      '"build"',
      ':',
      '"node_name"',
      '"n"',
      ',',
      '[',
      ']',
      'null',
      '1',
      '"name"',
      '\\',
      '\u00ff',
    ];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 20);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      expect(['event', 'ignored', 'error']).toContain(parseJenkinsEvent(s).kind);
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      expect(['event', 'ignored', 'error']).toContain(parseJenkinsEvent(bytes).kind);
    }
  });
});
