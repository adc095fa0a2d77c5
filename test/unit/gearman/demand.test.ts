import { describe, expect, it } from 'vitest';
import { computeDemand, parseStatusReply, sameDemand } from '../../../src/gearman/index.js';

function demandOf(...replies: string[]): Record<string, number> {
  return Object.fromEntries(computeDemand(replies).demand);
}

describe('computeDemand', () => {
  it('gives plain build:JOB counts to the first label seen for the job (spec example)', () => {
    expect(
      demandOf('build:fake_job\t3\t0\t0\nbuild:fake_job:devstack-precise\t0\t0\t0\n.\n'),
    ).toEqual({
      'devstack-precise': 3,
    });
  });

  it('uses the last two parts of build:A:JOB:LABEL and the first label of several', () => {
    const reply = [
      'build:job:first\t1\t0\t0',
      'build:job:second\t2\t1\t1',
      'build:zuul:job:third\t1\t0\t0',
      'build:job\t5\t0\t0',
      '.',
    ].join('\n');
    expect(demandOf(reply)).toEqual({ first: 6, second: 2, third: 1 });
  });

  it('drops plain jobs without a known label and functions not starting with build:', () => {
    expect(
      demandOf('build:lonely\t4\t0\t0\nmerger:merge\t9\t0\t0\nset_description:x\t1\t0\t0\n.\n'),
    ).toEqual({});
  });

  it('sums over servers and resolves plain jobs with labels learnt from another server', () => {
    expect(
      demandOf('build:job\t2\t0\t0\n.\n', 'build:job:l\t1\t0\t0\n.\n', 'build:job:l\t3\t0\t0\n.\n'),
    ).toEqual({
      l: 6,
    });
  });

  it('counts non-integer queues as 0 with a warning, but still learns the label', () => {
    const r = computeDemand([
      { server: 'g:4730', reply: 'build:job:l\tmany\t0\t0\nbuild:job\t2\t0\t0\n.\n' },
    ]);
    expect(Object.fromEntries(r.demand)).toEqual({ l: 2 });
    expect(r.problems).toEqual([
      {
        server: 'g:4730',
        line: 1,
        text: 'build:job:l\tmany\t0\t0',
        message: 'Server returned a non-integer value in status: queued jobs is "many"',
      },
    ]);
  });

  it('skips a build: line without a count field and keeps the rest', () => {
    const r = computeDemand(['build:broken\nbuild:j:l\t1\t0\t0\n.\n']);
    expect(Object.fromEntries(r.demand)).toEqual({ l: 1 });
    expect(r.problems[0]).toMatchObject({
      line: 1,
      message: 'Cannot read Gearman status line: no queued-jobs field',
    });
  });

  it('trims fields and tolerates CRLF and missing terminators', () => {
    expect(demandOf(' build:j:l \t 2 \t0\t0\r\nbuild:j:l\t1\r\n')).toEqual({ l: 3 });
    expect(demandOf('.\n', '')).toEqual({});
  });

  it('ignores zero and negative counts', () => {
    expect(demandOf('build:j:l\t0\t0\t0\nbuild:j:m\t-3\t0\t0\nbuild:j\t-1\t0\t0\n.\n')).toEqual({});
  });

  it('never throws on random input', () => {
    const alphabet = 'build:\t\n.0123456789-ab \r\u0000é';
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 200);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = computeDemand([s, s]);
      for (const v of r.demand.values()) expect(v).toBeGreaterThan(0);
    }
  });
});

describe('parseStatusReply', () => {
  it('reports 1-based line numbers', () => {
    const r = parseStatusReply('x\ty\nbuild:a:b\t1\t0\t0\n.\n');
    expect(r.entries).toEqual([{ fn: 'a:b', queued: 1, line: 2 }]);
  });
});

describe('sameDemand', () => {
  it('compares labels and counts', () => {
    expect(sameDemand(new Map([['a', 1]]), new Map([['a', 1]]))).toBe(true);
    expect(sameDemand(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(sameDemand(new Map(), new Map([['a', 2]]))).toBe(false);
  });
});
