/**
 * The status web app against real ZooKeeper and a real SQLite database: upstream's two text
 * endpoints byte-identical to the CLI, their headers, 304, the 1 s cache, WebOb's 404, 503
 * without ZooKeeper, and the JSON extras.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/nodepool-cli.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { NOW_MS, NOW_S, createWorld, http, seed, seedSnapshotImages } from './helpers.js';
import type { WebWorld } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED web app tests: ${reason}\n`);

describe.skipIf(address === null)('WebApp', () => {
  const fx = useZkFixture(address);
  let world: WebWorld;

  beforeEach(async () => {
    world = await createWorld(fx, address!);
  });
  afterEach(async () => {
    await world.close();
  });

  it('serves /image-list, /dib-image-list and /node-list byte-identical to the CLI tables', async () => {
    await seed(world);
    const app = await world.start();
    for (const [path, verb] of [
      ['/image-list', 'image-list'],
      ['/dib-image-list', 'dib-image-list'],
      ['/node-list', 'list'],
    ] as const) {
      const cli = await runCli(world.files, [verb], { nowMs: NOW_MS });
      expect(cli.status).toBe(0);
      const web = await http(app.url + path);
      expect(web.status).toBe(200);
      expect(web.body + '\n').toBe(cli.stdout);
      expect(web.body.endsWith('\n')).toBe(false);
    }
    const table = (await http(app.url + '/dib-image-list')).body;
    expect(table).toContain(
      '| fake-image-0000000000 | fake-image | nb01    | qcow2,vhd | ready    | 00:01:02:03 |',
    );
  });

  it('serves the JSON extras identical to the CLI --json output', async () => {
    await seed(world);
    const app = await world.start();
    for (const [path, verb] of [
      ['/image-list', 'image-list'],
      ['/dib-image-list', 'dib-image-list'],
      ['/node-list', 'list'],
    ] as const) {
      const cli = await runCli(world.files, [verb, '--json'], { nowMs: NOW_MS });
      for (const url of [`${path}.json`, `${path}?format=json`]) {
        const web = await http(app.url + url);
        expect(web.status).toBe(200);
        expect(web.headers['content-type']).toBe('application/json; charset=UTF-8');
        expect(web.body + '\n').toBe(cli.stdout);
      }
    }
  });

  it('appends the snapshot images to /image-list as the CLI does, text and JSON', async () => {
    // A 0.4.0 config ignores snapshot_image rows, on both sides.
    await seed(world);
    await seedSnapshotImages(world);
    const plain = await world.start();
    const plainCli = await runCli(world.files, ['image-list'], { nowMs: NOW_MS });
    const plainWeb = (await http(plain.url + '/image-list')).body;
    expect(plainWeb + '\n').toBe(plainCli.stdout);
    expect(plainWeb).not.toContain('| snapshot ');

    const snap = await createWorld(fx, address!, { snapshotImage: true });
    try {
      await seed(snap);
      await seedSnapshotImages(snap);
      const app = await snap.start();
      const cli = await runCli(snap.files, ['image-list'], { nowMs: NOW_MS });
      expect(cli.status, cli.stderr).toBe(0);
      const web = await http(app.url + '/image-list');
      expect(web.status).toBe(200);
      expect(web.body + '\n').toBe(cli.stdout);
      const cells = web.body
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .map((l) =>
          l
            .slice(1, -1)
            .split('|')
            .map((c) => c.trim()),
        );
      expect(cells.slice(-3)).toEqual([
        [
          'snapshot',
          '1',
          'fake-provider',
          'snap-image',
          'fake-provider-snap-image-1484150000',
          'img-old',
          'delete',
          '00:02:00:00',
        ],
        [
          'snapshot',
          '2',
          'fake-provider',
          'snap-image',
          'fake-provider-snap-image-1484157000',
          'img-ready',
          'ready',
          '00:01:02:03',
        ],
        [
          'snapshot',
          '3',
          'fake-provider',
          'snap-image',
          'fake-provider-snap-image-1484161158',
          'None',
          'building',
          '00:00:00:42',
        ],
      ]);
      expect(cells[1]?.[0]).toBe('0000000000'); // the ZooKeeper uploads come first

      const cliJson = await runCli(snap.files, ['image-list', '--json'], { nowMs: NOW_MS });
      for (const url of ['/image-list.json', '/image-list?format=json']) {
        const r = await http(app.url + url);
        expect(r.status).toBe(200);
        expect(r.body + '\n').toBe(cliJson.stdout);
      }
      const rows = JSON.parse(cliJson.stdout) as Array<Record<string, unknown>>;
      expect(
        rows
          .filter((r) => r['kind'] === 'snapshot')
          .map((r) => [r['id'], r['state'], r['externalId']]),
      ).toEqual([
        [1, 'delete', 'img-old'],
        [2, 'ready', 'img-ready'],
        [3, 'building', null],
      ]);
    } finally {
      await snap.close();
    }
  });

  it('lists only the snapshot images when a snapshot-only config has no ZooKeeper, as the CLI', async () => {
    const snap = await createWorld(fx, address!, { snapshotImage: true, noZooKeeper: true });
    try {
      await seedSnapshotImages(snap);
      const app = await snap.start();
      for (const [path, args] of [
        ['/image-list', ['image-list']],
        ['/image-list.json', ['image-list', '--json']],
      ] as const) {
        const cli = await runCli(snap.files, args, { nowMs: NOW_MS });
        expect(cli.status, cli.stderr).toBe(0);
        const web = await http(app.url + path);
        expect(web.status).toBe(200);
        expect(web.body + '\n').toBe(cli.stdout);
      }
      expect(
        (await http(app.url + '/image-list')).body
          .split('\n')
          .filter((l) => l.startsWith('| snapshot ')),
      ).toHaveLength(3);
      expect((await http(app.url + '/dib-image-list')).status).toBe(503);
    } finally {
      await snap.close();
    }
  });

  it("sends upstream's headers and answers 304 to a matching If-Modified-Since", async () => {
    await seed(world);
    world.clock = NOW_MS + 250;
    const app = await world.start();
    const first = await http(app.url + '/image-list');
    expect(first.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(first.headers['access-control-allow-origin']).toBe('*');
    expect(first.headers['cache-control']).toBe('public, max-age=1');
    expect(first.headers['last-modified']).toBe('Wed, 11 Jan 2017 19:00:00 GMT');
    expect(first.headers.expires).toBe('Wed, 11 Jan 2017 19:00:01 GMT');
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));

    const same = await http(app.url + '/image-list', {
      headers: { 'If-Modified-Since': 'Wed, 11 Jan 2017 19:00:00 GMT' },
    });
    expect(same.status).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers['last-modified']).toBe('Wed, 11 Jan 2017 19:00:00 GMT');
    expect(same.headers['content-type']).toBeUndefined();

    const older = await http(app.url + '/image-list', {
      headers: { 'If-Modified-Since': 'Wed, 11 Jan 2017 18:59:59 GMT' },
    });
    expect(older.status).toBe(200);
    expect(older.body).toBe(first.body);
    // WebOb answers conditionally only for GET and HEAD; any other method gets the table.
    const post = await http(app.url + '/image-list', {
      method: 'POST',
      headers: { 'If-Modified-Since': 'Wed, 11 Jan 2017 19:00:00 GMT' },
    });
    expect(post.status).toBe(200);
    expect(post.body).toBe(first.body);
    const head = await http(app.url + '/image-list', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
  });

  it('reuses a rendering for 1 s per path and ignores the query string', async () => {
    await seed(world);
    const app = await world.start();
    const before = (await http(app.url + '/dib-image-list')).body;
    await world.images.storeBuild('fake-image', {
      state: 'failed',
      stateTime: NOW_S,
      builder: 'nb02',
    });
    world.clock = NOW_MS + 1000;
    expect((await http(app.url + '/dib-image-list?x=1')).body).toBe(before);
    world.clock = NOW_MS + 1001;
    const after = await http(app.url + '/dib-image-list?x=2');
    expect(after.body).not.toBe(before);
    expect(after.body).toContain(
      '| fake-image-0000000002 | fake-image | nb02    |           | failed   | 00:00:00:01 |',
    );
    expect(after.headers['last-modified']).toBe('Wed, 11 Jan 2017 19:00:01 GMT');
  });

  it("answers an unknown path with WebOb's 404 page, HTML or plain by Accept", async () => {
    const app = await world.start();
    const html = await http(app.url + '/nope', { headers: { Accept: '*/*' } });
    expect(html.status).toBe(404);
    expect(html.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(html.body).toBe(
      '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n' +
        '  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>',
    );
    const plain = await http(app.url + '/image-list/', { method: 'DELETE' });
    expect(plain.status).toBe(404);
    expect(plain.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(plain.body).toBe('404 Not Found\n\nThe resource could not be found.\n\n   ');
    expect((await http(app.url + '/request-list.json')).status).toBe(404);
  });

  it('answers 503 with a one-line reason when ZooKeeper or the database is not configured', async () => {
    const app = await world.start({ source: world.source({ withZk: false, withDb: false }) });
    for (const path of ['/image-list', '/dib-image-list.json']) {
      const r = await http(app.url + path);
      expect(r.status).toBe(503);
      expect(r.body).toBe(
        'Cannot list images: no ZooKeeper is configured: add "zookeeper-servers" to nodepool.yaml\n',
      );
    }
    const nodes = await http(app.url + '/node-list');
    expect(nodes.status).toBe(503);
    expect(nodes.body).toMatch(/^Cannot list nodes: no database is configured: .*\n$/);
    expect((await http(app.url + '/metrics')).status).toBe(200);
    expect((await http(app.url + '/')).status).toBe(200);
  });

  it('answers 500 with one line when a read fails, and serves the next request afresh', async () => {
    const real = world.source();
    let isBroken = true;
    const app = await world.start({
      source: {
        ...real,
        listUploads: (o) =>
          isBroken
            ? Promise.reject(new Error('Cannot read "/nodepool/images": connection lost'))
            : real.listUploads(o),
      },
    });
    const r = await http(app.url + '/image-list');
    expect(r.status).toBe(500);
    expect(r.body).toBe(
      'Cannot answer GET /image-list: Cannot read "/nodepool/images": connection lost\n',
    );
    isBroken = false;
    expect((await http(app.url + '/image-list')).status).toBe(200);
  });

  it('summarises labels and providers and returns the recorded history', async () => {
    await seed(world);
    world.history.record(
      { building: 2, ready: 1, used: 0, delete: 0, hold: 0, test: 0 },
      NOW_MS - 20_000,
    );
    world.history.recordNodes(await world.db.nodes.list(), NOW_MS - 10_000);
    const app = await world.start();
    const labels = JSON.parse((await http(app.url + '/label-list.json')).body) as Array<
      Record<string, unknown>
    >;
    expect(labels).toEqual([
      {
        label: 'fake-label',
        image: 'fake-image',
        minReady: 3,
        providers: ['fake-provider', 'other-provider'],
        building: 1,
        ready: 1,
        used: 1,
        delete: 0,
        hold: 1,
        test: 0,
        total: 4,
        deficit: 1,
      },
      {
        label: 'small-label',
        image: 'fake-image',
        minReady: 1,
        providers: ['other-provider'],
        building: 0,
        ready: 1,
        used: 0,
        delete: 0,
        hold: 0,
        test: 0,
        total: 1,
        deficit: 0,
      },
    ]);
    const providers = JSON.parse(
      (await http(app.url + '/provider-list?format=json')).body,
    ) as unknown;
    expect(providers).toEqual([
      {
        provider: 'fake-provider',
        maxServers: 4,
        building: 1,
        ready: 1,
        used: 0,
        delete: 0,
        hold: 1,
        test: 0,
        total: 3,
      },
      {
        provider: 'other-provider',
        maxServers: 2,
        building: 0,
        ready: 1,
        used: 1,
        delete: 0,
        hold: 0,
        test: 0,
        total: 2,
      },
    ]);
    const table = (await http(app.url + '/label-list')).body;
    expect(table.split('\n')[1]).toBe(
      '| Label       | Image      | Min Ready | Ready | Building | Used | Hold | Delete | Total | Deficit |',
    );
    expect(table).toContain(
      '| fake-label  | fake-image | 3         | 1     | 1        | 1    | 1    | 0      | 4     | 1       |',
    );
    const history = JSON.parse((await http(app.url + '/node-history.json')).body) as Array<{
      time: number;
      total: number;
    }>;
    expect(history.map((s) => [s.time, s.total])).toEqual([
      [NOW_MS - 20_000, 3],
      [NOW_MS - 10_000, 5],
    ]);
  });

  it('stops listening on stop, and stop is idempotent', async () => {
    const app = await world.start();
    const url = app.url;
    expect((await http(url + '/node-history')).status).toBe(200);
    await Promise.all([app.stop(), app.stop()]);
    expect(app.state).toBe('stopped');
    await expect(http(url + '/node-history')).rejects.toThrow(/ECONNREFUSED/);
  });
});
