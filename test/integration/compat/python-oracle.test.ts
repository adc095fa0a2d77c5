/**
 * Python itself as the oracle: the same values go through /usr/bin/python3's json.dumps and
 * str.format and through ours, and the texts must be identical.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floatRepr, jsonDumps, strFormat } from '../../../src/compat/python/index.js';
import { nodepoolMetadata } from '../../../src/provider/index.js';

const PYTHON = '/usr/bin/python3';

function python(script: string, input: unknown): unknown {
  const out = execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(input) });
  return JSON.parse(out.toString('utf8'));
}

const VALUES: unknown[] = [
  'plain',
  'fournisseur-é',
  '镜像-ubuntu',
  'emoji 😀 and \u007f DEL',
  'tab\t newline\n quote" backslash\\ bell\u0007',
  { provider_name: 'Ünïcode', node_id: 12, image_name: 'ελληνικά' },
  ['a', 1, null, true, false, [], {}],
  { nested: { list: [1, 2.5, -3], text: '\u2028\u2029' } },
];

describe.skipIf(!existsSync(PYTHON))('compat/python against Python', () => {
  it('json.dumps writes the same text for strings, objects and lists', () => {
    const expected = python(
      'import json, sys\nprint(json.dumps([json.dumps(v) for v in json.load(sys.stdin)]))',
      VALUES,
    );
    expect(VALUES.map((v) => jsonDumps(v))).toEqual(expected);
  });

  it('server metadata for non-ASCII provider and image names has upstream bytes', () => {
    const cases = [
      ['fournisseur-é', '镜像-ubuntu'],
      ['rax', 'trusty'],
      ['prov😀', 'image\u00a0nbsp'],
    ] as const;
    const expected = python(
      [
        'import json, sys',
        'out = []',
        'for p, i in json.load(sys.stdin):',
        '    out.append({"groups": json.dumps([p, i]),',
        '                "nodepool": json.dumps({"provider_name": p, "node_id": 3, "image_name": i})})',
        'print(json.dumps(out))',
      ].join('\n'),
      cases,
    );
    const ours = cases.map(([p, i]) => nodepoolMetadata(p, { nodeId: 3, imageName: i }));
    expect(ours).toEqual(expected);
  });

  it('float repr matches for the values nodepool writes as floats', () => {
    const floats = [0, 5, 2.5, 1e16, 1.5e17, 0.00001, 1e-7, 1484160012.35, 123456789.125];
    const expected = python(
      'import json, sys\nprint(json.dumps([repr(float(v)) for v in json.load(sys.stdin)]))',
      floats,
    );
    expect(floats.map(floatRepr)).toEqual(expected);
  });

  it('str.format reads braces and fields the same way', () => {
    const templates = ['{a}-{b.c}', '{{literal}}-{a}}}', 'x{a!s}y', 'no fields', ''];
    const expected = python(
      [
        'import json, sys',
        'class B: c = "C"',
        'print(json.dumps([t.format(a="A", b=B()) for t in json.load(sys.stdin)]))',
      ].join('\n'),
      templates,
    );
    const ours = templates.map((t) =>
      strFormat(t, (f) => (f.name === 'a' ? 'A' : f.name === 'b.c' ? 'C' : '?')),
    );
    expect(ours).toEqual(expected);
  });
});
