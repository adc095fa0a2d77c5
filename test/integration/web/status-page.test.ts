/**
 * The HTML status page in real headless Chromium, over real ZooKeeper and SQLite: after its
 * script ran, the DOM shows the nodes, labels, providers, image builds and uploads and the
 * chart, and the page refreshed itself. A screenshot is taken too (copied to
 * `$NODEPOOL_SCREENSHOT_DIR` when set, to look at it).
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpDom, findChromium, screenshot } from '../../support/chromium.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { NOW_MS, createWorld, seed } from './helpers.js';
import type { WebWorld } from './helpers.js';

const { address, reason } = sharedZooKeeper();
const chromium = findChromium();
if (address === null) process.stderr.write(`SKIPPED status page tests: ${reason}\n`);
if (chromium.path === null) process.stderr.write(`SKIPPED status page tests: ${chromium.reason}\n`);

/** The text of the element with this id (tags stripped), from a DOM dump. */
function section(dom: string, id: string): string {
  const start = dom.indexOf(`id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThan(0);
  const end = dom.indexOf('</section>', start);
  return dom
    .slice(start, end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe.skipIf(address === null || chromium.path === null)(
  'status page in headless Chromium',
  () => {
    const fx = useZkFixture(address);
    let world: WebWorld;

    beforeEach(async () => {
      world = await createWorld(fx, address!);
      await seed(world);
      const counts = (ready: number, building: number, used: number) => ({
        building,
        ready,
        used,
        delete: 0,
        hold: 1,
        test: 0,
      });
      [
        [0, 0, 3, 0],
        [1, 1, 2, 1],
        [2, 2, 1, 1],
        [3, 2, 1, 1],
      ].forEach(([i, ready, building, used]) =>
        world.history.record(counts(ready!, building!, used!), NOW_MS - (4 - i!) * 10_000),
      );
    });
    afterEach(async () => {
      await world.close();
    });

    it('renders nodes, labels, providers, images and the chart, and refreshes itself', async () => {
      const app = await world.start();
      const dom = await dumpDom(chromium.path!, `${app.url}/`, { virtualTimeBudgetMs: 12_000 });

      expect(Number(/data-updates="(\d+)"/.exec(dom)?.[1] ?? 0)).toBeGreaterThanOrEqual(2);
      expect(dom).not.toContain('class="error"');
      const cards = section(dom, 'summary');
      expect(cards).toMatch(/2 ready/);
      expect(cards).toMatch(/1 building/);
      expect(cards).toMatch(/1 hold/);
      expect(cards).toMatch(/5 total/);

      const labels = section(dom, 'labels');
      expect(labels).toContain('fake-label fake-image 3 1 1 1 1 0 4 1');
      expect(labels).toContain('small-label fake-image 1 1 0 0 0 0 1 0');
      const providers = section(dom, 'providers');
      expect(providers).toContain('fake-provider 4 1 1 0 1 0 3');
      expect(providers).toContain('other-provider 2 0 1 1 0 0 2');

      const nodes = section(dom, 'nodes');
      for (const host of [
        'fake-label-fake-provider-1',
        'fake-label-other-provider-3',
        'small-label-other-provider-4',
      ]) {
        expect(nodes).toContain(host);
      }
      expect(nodes).toContain('debugging bug 123');
      expect(nodes).toContain('01:01:00:41');

      expect(section(dom, 'builds')).toContain(
        'fake-image-0000000000 nb01 qcow2,vhd ready 00:01:02:03',
      );
      expect(section(dom, 'launchers')).toContain('nl01 h1 11');
      expect(section(dom, 'launchers')).toContain('leader fake-provider');
      expect(section(dom, 'uploads')).toContain(
        'fake-image 0000000000 0000000000 fake-provider template-fake-image-1484159265 ready 00:00:10:00',
      );

      expect(dom).toMatch(/<svg[^>]* id="chart"/);
      for (const s of ['ready', 'building', 'used', 'hold', 'total']) {
        expect(dom).toMatch(
          new RegExp(
            `<polyline class="series series-${s}"[^>]* points="[\\d.]+,[\\d.]+( [\\d.]+,[\\d.]+){3}"`,
          ),
        );
      }
      expect(dom).not.toContain('series-delete');
    });

    it('shows a banner for a stuck label and a provider over quota, and none without', async () => {
      const quiet = await world.start();
      const before = await dumpDom(chromium.path!, `${quiet.url}/?refresh=0`, {
        virtualTimeBudgetMs: 3_000,
      });
      expect(before).toMatch(/<div id="alarms" role="alert" hidden="">/);
      world.counters.policies.setOverQuota('other-provider', true);
      world.counters.policies.setStuck('small-label', {
        label: 'small-label',
        since: NOW_MS - 700_000,
        cause: 'no-upload',
        message: 'no ready upload of image "fake-image" in any of its providers (other-provider)',
      });
      const app = await world.start();
      const dom = await dumpDom(chromium.path!, `${app.url}/?refresh=0`, {
        virtualTimeBudgetMs: 3_000,
      });
      expect(dom).not.toMatch(/<div id="alarms" role="alert" hidden/);
      expect(dom).toMatch(
        /<p class="stuck" data-label="small-label">Label small-label is stuck \(\d+ s\): no ready upload of image "fake-image" in any of its providers \(other-provider\)<\/p>/,
      );
      expect(dom).toContain('Provider other-provider is over quota: skipped');
    });

    it("shows a scheduled label's effective min-ready and the period that set it", async () => {
      await world.close();
      world = await createWorld(fx, address!, { schedule: true });
      await seed(world);
      const app = await world.start();
      const dom = await dumpDom(chromium.path!, `${app.url}/?refresh=0`, {
        virtualTimeBudgetMs: 5_000,
      });
      const labels = section(dom, 'labels');
      expect(labels).toContain('fake-label fake-image 3 1 1 1 1 0 4 1');
      // NOW_MS is 00:30 in Kolkata: period 1 ('* 0 * * *') sets 2.
      expect(labels).toContain('small-label fake-image 2 (period 1) 1 0 0 0 0 1 1');
      expect(dom).toContain('title="period 1 &quot;* 0 * * *&quot; (Asia/Kolkata)"');
    });

    it('shows why a section is empty when ZooKeeper is not configured', async () => {
      const app = await world.start({ source: world.source({ withZk: false }) });
      const dom = await dumpDom(chromium.path!, `${app.url}/status?refresh=0`, {
        virtualTimeBudgetMs: 5000,
      });
      expect(section(dom, 'builds')).toContain(
        'Cannot load dib-image-list.json: 503 Cannot list images: no ZooKeeper is configured',
      );
      expect(section(dom, 'labels')).toContain('fake-label');
      expect(dom).toContain('data-updates="1"');
    });

    it('takes a readable screenshot', async () => {
      const app = await world.start();
      const file = path.join(world.dir, 'status.png');
      await screenshot(chromium.path!, `${app.url}/?refresh=0`, file, {
        virtualTimeBudgetMs: 5000,
      });
      const png = await readFile(file);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.length).toBeGreaterThan(20_000);
      const out = process.env.NODEPOOL_SCREENSHOT_DIR;
      if (out !== undefined && out !== '') await copyFile(file, path.join(out, 'status-page.png'));
    });
  },
);
