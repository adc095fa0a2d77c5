/**
 * `min-ready-schedule` end to end on the real clock: the launcher service against the fake
 * cloud over HTTP, ZooKeeper and SQLite, with a period covering only the current minute in
 * Asia/Kolkata (UTC+5:30, so a zone mix-up cannot match). The period's value applies at
 * once; at the next minute the minute ticker (the loop interval is far longer) wakes a pass
 * that deletes the excess, oldest first, and the label is back at its own min-ready.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
if (zk.address === null) process.stderr.write(`SKIPPED min-ready-schedule e2e: ${zk.reason}\n`);

/** Hour and minute of `atMs` in `zone`. */
function wallTime(atMs: number, zone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(atMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return { hour: get('hour'), minute: get('minute') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.skipIf(zk.address === null || sqlite === undefined)(
  'min-ready-schedule (real clock)',
  () => {
    let h: LauncherHarness | null = null;
    afterEach(async () => {
      await h?.stop();
      h = null;
    });

    it('applies the period of this minute in Asia/Kolkata, then returns to min-ready at the next', async () => {
      // Leave the fill at least 25 s of the minute.
      if (Date.now() % 60_000 > 35_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
      const start = Date.now();
      const minuteEnd = start - (start % 60_000) + 60_000;
      const { hour, minute } = wallTime(start, 'Asia/Kolkata');
      const t = (h = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! }));
      await t.writeConfig('node.yaml', (y) =>
        y.replace(
          '    min-ready: 1\n',
          `$&    min-ready-schedule:\n      timezone: Asia/Kolkata\n      periods:\n        - cron: '${minute} ${hour} * * *'\n          min-ready: 3\n`,
        ),
      );
      await t.addUpload('fake-image', ['fake-provider']);
      // Only the minute ticker (or a launch or deletion ending) wakes a pass before 10 min.
      const launcher = await t.start({ timing: { intervalMs: 600_000, stopGraceMs: 5000 } });
      const during = await t.waitReady({ 'fake-label': 3 }, minuteEnd - Date.now() - 500);
      expect(Date.now()).toBeLessThan(minuteEnd);
      const label = launcher.statusSource().labels()[0]!;
      expect(label).toMatchObject({ minReady: 3, schedule: { period: 0, configured: 1 } });

      // The next minute: back to 1; the two oldest ready nodes go.
      const after = await t.waitReady({ 'fake-label': 1 }, minuteEnd - Date.now() + 20_000);
      expect(Date.now()).toBeGreaterThanOrEqual(minuteEnd);
      const oldestFirst = [...during].sort(
        (a, b) => (a.stateTime ?? 0) - (b.stateTime ?? 0) || a.id - b.id,
      );
      expect(after.map((n) => n.id)).toEqual([oldestFirst[2]!.id]);
      expect(launcher.statusSource().labels()[0]).toMatchObject({
        minReady: 1,
        schedule: { period: null },
      });
      await t.waitConsistent();
      expect((await t.nodes()).map((n) => stateName(n.state))).toEqual(['ready']);
      await waitFor(() => t.servers().length === 1, { what: 'one server left' });
    });
  },
);
