import { describe, expect, it } from 'vitest';
import { PacketType, StreamDecoder, encodePacket, splitArgs } from '../../../src/gearman/index.js';

describe('encodePacket', () => {
  it('frames a request with magic, type, length and NUL-separated arguments', () => {
    const p = encodePacket(PacketType.SUBMIT_JOB, ['fn', 'uniq', 'data']);
    expect(p.subarray(0, 4).toString('latin1')).toBe('\0REQ');
    expect(p.readUInt32BE(4)).toBe(7);
    expect(p.readUInt32BE(8)).toBe(12);
    expect(p.subarray(12).toString('latin1')).toBe('fn\0uniq\0data');
  });
});

describe('StreamDecoder', () => {
  it('decodes packets split across chunks and interleaved with an admin reply', () => {
    const d = new StreamDecoder();
    const created = encodePacket(PacketType.JOB_CREATED, ['H:1'], 'RES');
    const bytes = Buffer.concat([
      created,
      Buffer.from('build:a\t1\t0\t0\n.\n'),
      encodePacket(PacketType.WORK_COMPLETE, ['H:1', 'x\0y'], 'RES'),
    ]);
    const items = [];
    for (const b of bytes) {
      d.push(Buffer.from([b]));
      for (;;) {
        const it = d.next(items.length === 1 ? 'dotted' : null);
        if (it === null) break;
        items.push(it);
      }
    }
    expect(items.map((i) => i.kind)).toEqual(['packet', 'text', 'packet']);
    expect(items[1]).toEqual({ kind: 'text', text: 'build:a\t1\t0\t0\n.\n' });
    const last = items[2]!;
    if (last.kind !== 'packet') throw new Error('no packet');
    expect(splitArgs(last.packet.data, 2).map((b) => b.toString())).toEqual(['H:1', 'x\0y']);
  });

  it('reads an empty status reply and a single-line error', () => {
    const d = new StreamDecoder();
    d.push(Buffer.from('.\nERR UNKNOWN_COMMAND Unknown+server+command\n'));
    expect(d.next('dotted')).toEqual({ kind: 'text', text: '.\n' });
    expect(d.next('dotted')).toEqual({
      kind: 'text',
      text: 'ERR UNKNOWN_COMMAND Unknown+server+command\n',
    });
  });

  it('rejects text nobody asked for and bad magic', () => {
    const d = new StreamDecoder();
    d.push(Buffer.from('hello\n'));
    expect(() => d.next(null)).toThrow(
      expect.objectContaining({ code: 'ERR_GEARMAN_PROTOCOL' }) as Error,
    );
    const e = new StreamDecoder();
    e.push(Buffer.from('\0XYZ\0\0\0\x08\0\0\0\0'));
    expect(() => e.next(null)).toThrow('Cannot decode the Gearman stream: bad packet magic');
  });
});
