import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../../src/web/index.js';

describe('parseListenAddress', () => {
  it('reads HOST:PORT, :PORT, PORT and [V6]:PORT', () => {
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress(':9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListenAddress('8005')).toEqual({ host: '0.0.0.0', port: 8005 });
    expect(parseListenAddress('[::1]:8005')).toEqual({ host: '::1', port: 8005 });
    expect(parseListenAddress('status.example.org:80')).toEqual({
      host: 'status.example.org',
      port: 80,
    });
  });

  it('rejects a value that is not an address, naming it', () => {
    for (const bad of ['', 'host', 'host:', 'host:99999', '::1:80']) {
      expect(() => parseListenAddress(bad)).toThrow(RangeError);
    }
    expect(() => parseListenAddress('x:y')).toThrow(
      'Cannot use web app address "x:y": expected HOST:PORT, such as 0.0.0.0:8005',
    );
  });
});
