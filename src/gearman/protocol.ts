/**
 * The Gearman wire format: binary packets (`\0REQ`/`\0RES` magic, 4-byte type, 4-byte
 * length, NUL-separated arguments) and text admin replies, which share one stream. Pure
 * functions only; the socket lives in `connection.ts`.
 */
import { NodepoolError } from '../errors.js';

/** Packet type codes of the binary protocol (gearman.org protocol document). */
export const PacketType = {
  CAN_DO: 1,
  CANT_DO: 2,
  RESET_ABILITIES: 3,
  PRE_SLEEP: 4,
  NOOP: 6,
  SUBMIT_JOB: 7,
  JOB_CREATED: 8,
  GRAB_JOB: 9,
  NO_JOB: 10,
  JOB_ASSIGN: 11,
  WORK_STATUS: 12,
  WORK_COMPLETE: 13,
  WORK_FAIL: 14,
  GET_STATUS: 15,
  ECHO_REQ: 16,
  ECHO_RES: 17,
  SUBMIT_JOB_BG: 18,
  ERROR: 19,
  STATUS_RES: 20,
  SUBMIT_JOB_HIGH: 21,
  SET_CLIENT_ID: 22,
  CAN_DO_TIMEOUT: 23,
  ALL_YOURS: 24,
  WORK_EXCEPTION: 25,
  OPTION_REQ: 26,
  OPTION_RES: 27,
  WORK_DATA: 28,
  WORK_WARNING: 29,
  GRAB_JOB_UNIQ: 30,
  JOB_ASSIGN_UNIQ: 31,
} as const;

/** Direction of a packet: `\0REQ` (to the server) or `\0RES` (from it). */
export type PacketMagic = 'REQ' | 'RES';

/** One decoded binary packet. */
export interface Packet {
  readonly magic: PacketMagic;
  readonly type: number;
  /** The raw payload: arguments separated by NUL bytes. */
  readonly data: Buffer;
}

/** One item read from the stream: a binary packet or a complete admin text reply. */
export type StreamItem = { kind: 'packet'; packet: Packet } | { kind: 'text'; text: string };

/** The stream from the server does not follow the protocol; the connection must be dropped. */
function protocolError(message: string): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_GEARMAN_PROTOCOL' });
}

const HEADER = 12;
const REQ = Buffer.from('\0REQ', 'latin1');
const RES = Buffer.from('\0RES', 'latin1');
/** Largest packet accepted; bigger ones mean a corrupt stream. */
export const MAX_PACKET_BYTES = 64 * 1024 * 1024;

/** Encodes a packet; `args` are joined with NUL bytes. */
export function encodePacket(
  type: number,
  args: ReadonlyArray<string | Buffer>,
  magic: PacketMagic = 'REQ',
): Buffer {
  const parts: Buffer[] = [];
  args.forEach((a, i) => {
    if (i > 0) parts.push(Buffer.from([0]));
    parts.push(typeof a === 'string' ? Buffer.from(a, 'utf8') : a);
  });
  const data = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER);
  (magic === 'REQ' ? REQ : RES).copy(header, 0);
  header.writeUInt32BE(type, 4);
  header.writeUInt32BE(data.length, 8);
  return Buffer.concat([header, data]);
}

/**
 * Splits a payload into at most `count` arguments: the last one keeps any NUL bytes it
 * contains (job data is opaque), as the protocol defines.
 */
export function splitArgs(data: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (out.length < count - 1) {
    const nul = data.indexOf(0, start);
    if (nul < 0) break;
    out.push(data.subarray(start, nul));
    start = nul + 1;
  }
  out.push(data.subarray(start));
  return out;
}

/** Encodes a text admin command (`status`, `workers`, ...). */
export function encodeAdminCommand(command: string): Buffer {
  return Buffer.from(`${command}\n`, 'utf8');
}

/** How a text admin reply ends: after one line, or at a line holding a single `.`. */
export type AdminReplyShape = 'line' | 'dotted';

/**
 * Incremental stream decoder. Feed it chunks; `next()` returns complete items in order, or
 * null when more bytes are needed. Text is only expected while an admin reply is awaited,
 * so the caller says which shape it expects.
 * @throws GearmanProtocolError on bad magic, oversized packets or unexpected text
 */
export class StreamDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Appends bytes read from the socket. */
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Bytes received but not yet decoded. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Decodes the next item; `expectText` is the shape of the awaited admin reply, if any. */
  next(expectText: AdminReplyShape | null): StreamItem | null {
    if (this.buf.length === 0) return null;
    if (this.buf[0] === 0) return this.nextPacket();
    if (expectText === null) {
      const sample = this.buf.subarray(0, 40).toString('latin1');
      throw protocolError(
        `Cannot decode the Gearman stream: unexpected text ${JSON.stringify(sample)}`,
      );
    }
    return this.nextText(expectText);
  }

  private nextPacket(): StreamItem | null {
    if (this.buf.length < HEADER) return null;
    const magic = this.buf.subarray(0, 4);
    if (!magic.equals(RES) && !magic.equals(REQ)) {
      throw protocolError(
        `Cannot decode the Gearman stream: bad packet magic ${JSON.stringify(magic.toString('latin1'))}`,
      );
    }
    const type = this.buf.readUInt32BE(4);
    const size = this.buf.readUInt32BE(8);
    if (size > MAX_PACKET_BYTES) {
      throw protocolError(`Cannot decode the Gearman stream: packet of ${size} bytes is too large`);
    }
    if (this.buf.length < HEADER + size) return null;
    const data = Buffer.from(this.buf.subarray(HEADER, HEADER + size));
    this.buf = this.buf.subarray(HEADER + size);
    return { kind: 'packet', packet: { magic: magic.equals(REQ) ? 'REQ' : 'RES', type, data } };
  }

  private nextText(shape: AdminReplyShape): StreamItem | null {
    let end: number;
    const firstNl = this.buf.indexOf(0x0a);
    if (firstNl < 0) return null;
    const firstLine = this.buf.subarray(0, firstNl).toString('utf8');
    // Errors ("ERR UNKNOWN_COMMAND ...") are always a single line.
    if (shape === 'line' || firstLine.startsWith('ERR ')) {
      end = firstNl + 1;
    } else if (firstLine.replace(/\r$/, '') === '.') {
      end = firstNl + 1;
    } else {
      const term = this.buf.indexOf('\n.\n', 0, 'latin1');
      const termCrLf = this.buf.indexOf('\n.\r\n', 0, 'latin1');
      if (term < 0 && termCrLf < 0) {
        if (this.buf.length > MAX_PACKET_BYTES) {
          throw protocolError('Cannot decode the Gearman stream: admin reply is too large');
        }
        return null;
      }
      end = term >= 0 && (termCrLf < 0 || term < termCrLf) ? term + 3 : termCrLf + 4;
    }
    const text = this.buf.subarray(0, end).toString('utf8');
    this.buf = this.buf.subarray(end);
    return { kind: 'text', text };
  }
}
