import { describe, expect, it } from 'vitest';
import { NodepoolError } from '../../../src/errors.js';
import { PacketType, encodePacket } from '../../../src/gearman/index.js';
import { ReplyRouter } from '../../../src/gearman/reply-router.js';
import type { JobSink } from '../../../src/gearman/reply-router.js';
import { createLogger } from '../../../src/log/index.js';

function sink(events: string[]): JobSink {
  return {
    onData: (k, d) => events.push(`${k}:${d.toString()}`),
    onStatus: (n, d) => events.push(`status:${n}/${d}`),
    onComplete: (d) => events.push(`complete:${d.toString()}`),
    onFail: () => events.push('fail'),
    onException: (d) => events.push(`exception:${d.toString()}`),
    onDisconnect: () => events.push('disconnect'),
  };
}

function settle(out: string[]) {
  return {
    resolve: (v: string) => out.push(`ok:${v}`),
    reject: (e: unknown) => out.push(`err:${(e as Error).message}`),
  };
}

describe('ReplyRouter', () => {
  const log = createLogger({ level: 'silent' });
  const res = (type: number, args: string[]): Buffer => encodePacket(type, args, 'RES');

  it('answers requests in order and routes job packets by handle', () => {
    const r = new ReplyRouter('g:4730', log);
    const replies: string[] = [];
    const a: string[] = [];
    const b: string[] = [];
    r.expect({ kind: 'submit', sink: sink(a), done: settle(replies) });
    r.expect({ kind: 'admin', shape: 'dotted', done: settle(replies) });
    r.expect({ kind: 'submit', sink: sink(b), done: settle(replies) });
    r.feed(
      Buffer.concat([
        res(PacketType.JOB_CREATED, ['H:1']),
        Buffer.from('x\t1\t0\t0\n.\n'),
        res(PacketType.JOB_CREATED, ['H:2']),
      ]),
    );
    r.feed(
      Buffer.concat([
        res(PacketType.WORK_DATA, ['H:2', 'd']),
        res(PacketType.WORK_STATUS, ['H:1', '1', '2']),
        res(PacketType.WORK_FAIL, ['H:1']),
      ]),
    );
    expect(replies).toEqual(['ok:H:1', 'ok:x\t1\t0\t0\n.\n', 'ok:H:2']);
    expect(a).toEqual(['status:1/2', 'fail']);
    r.close(false);
    expect(b).toEqual(['data:d', 'disconnect']);
  });

  it('rejects with the server error and fails everything on close', () => {
    const r = new ReplyRouter('g:4730', log);
    const replies: string[] = [];
    r.expect({
      kind: 'echo',
      done: {
        resolve: () => {},
        reject: (e) =>
          replies.push(
            e instanceof NodepoolError && e.code === 'ERR_GEARMAN_SERVER'
              ? String(e.details?.serverCode)
              : 'other',
          ),
      },
    });
    r.expect({ kind: 'echo', done: settle(replies) });
    r.feed(res(PacketType.ERROR, ['ERR_QUEUE', 'full']));
    r.close(false);
    expect(replies).toEqual(['ERR_QUEUE', 'err:Lost the connection to Gearman server g:4730']);
  });

  it('throws when a reply does not match the oldest request', () => {
    const r = new ReplyRouter('g:4730', log);
    r.expect({ kind: 'echo', done: settle([]) });
    expect(() => r.feed(res(PacketType.JOB_CREATED, ['H:1']))).toThrow(
      'Unexpected JOB_CREATED from Gearman server g:4730: waiting for echo',
    );
  });
});
