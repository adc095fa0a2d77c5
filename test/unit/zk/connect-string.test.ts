import { describe, expect, it } from 'vitest';
import { buildConnectTarget, validatePath } from '../../../src/zk/index.js';
import { parentPath, toAbsolute, toRelative } from '../../../src/zk/connect-string.js';

describe('buildConnectTarget', () => {
  it('writes the chroot once for every server instead of after each entry', () => {
    expect(
      buildConnectTarget([
        { host: 'zk1', port: 2181, chroot: '/nodepool' },
        { host: 'zk2', port: 2182, chroot: '/nodepool' },
      ]),
    ).toEqual({ hosts: 'zk1:2181,zk2:2182', chroot: '/nodepool' });
  });

  it('collapses duplicate host and port pairs and accepts entries without chroot', () => {
    expect(
      buildConnectTarget([
        { host: 'zk1', port: 2181 },
        { host: 'zk1', port: 2181, chroot: '/a/b/' },
      ]),
    ).toEqual({ hosts: 'zk1:2181', chroot: '/a/b' });
    expect(buildConnectTarget([{ host: 'zk1', port: 2181, chroot: '/' }])).toEqual({
      hosts: 'zk1:2181',
      chroot: '',
    });
  });

  it('rejects an empty list, a chroot without leading slash and different chroots', () => {
    expect(() => buildConnectTarget([])).toThrow(RangeError);
    expect(() => buildConnectTarget([{ host: 'zk1', port: 2181, chroot: 'nodepool' }])).toThrow(
      'Cannot use zookeeper-servers[0].chroot: it must start with "/": current value is "nodepool"',
    );
    expect(() =>
      buildConnectTarget([
        { host: 'zk1', port: 2181, chroot: '/a' },
        { host: 'zk2', port: 2181, chroot: '/b' },
      ]),
    ).toThrow('every entry must name the same chroot: current values are "/a", "/b"');
  });
});

describe('validatePath', () => {
  it('accepts normal paths and a trailing slash only for sequential creates', () => {
    expect(() => validatePath('/')).not.toThrow();
    expect(() => validatePath('/a/b')).not.toThrow();
    expect(() => validatePath('/a/b/', true)).not.toThrow();
    expect(() => validatePath('/a/b/')).toThrow(
      'Invalid znode path "/a/b/": it must not end with "/"',
    );
    expect(() => validatePath('a')).toThrow(RangeError);
    expect(() => validatePath('/a//b')).toThrow('it has an empty segment');
    expect(() => validatePath('/a/../b')).toThrow('it has a relative segment');
  });
});

describe('chroot path mapping', () => {
  it('maps between chroot-relative and absolute paths', () => {
    expect(toAbsolute('', '/x')).toBe('/x');
    expect(toAbsolute('/c', '/')).toBe('/c');
    expect(toAbsolute('/c', '/x/y')).toBe('/c/x/y');
    expect(toRelative('/c', '/c')).toBe('/');
    expect(toRelative('/c', '/c/x/0000000001')).toBe('/x/0000000001');
    expect(toRelative('/c', '/cx')).toBe('/cx');
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/a/b/')).toBe('/a/b');
  });
});
