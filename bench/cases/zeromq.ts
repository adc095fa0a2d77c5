/**
 * Benchmark: Jenkins build events through the ZeroMQ listener. A real PUB socket on
 * 127.0.0.1 sends plugin-format `onStarted` messages at 10,000 per second for 5 seconds,
 * each naming a unique node; the listener parses them and hands them to a handler that
 * counts them; then the same again unpaced, to show the headroom. Goal (issue #7): ≥ 10,000 events/s sustained with none lost or duplicated.
 */
import * as zmq from 'zeromq';
import { JenkinsEventListener, formatJenkinsEvent } from '../../src/jenkins/index.js';
import { delay } from '../../src/util/index.js';

const name = 'zeromq';
const goal = '10,000 Jenkins events/s through the ZeroMQ listener for 5 s, 0 lost';

const RATE = 10_000;
const SECONDS = 5;
const TICK_MS = 10;
const DRAIN_TIMEOUT_MS = 10_000;

function message(seq: number): string {
  return formatJenkinsEvent('onStarted', {
    name: 'gate-tempest-dsvm-full',
    url: 'job/gate-tempest-dsvm-full/',
    build: {
      full_url: `http://jenkins.example.org/job/gate-tempest-dsvm-full/${seq}/`,
      number: seq,
      phase: 'STARTED',
      url: `job/gate-tempest-dsvm-full/${seq}/`,
      node_name: `bench-node-${seq}`,
      parameters: { ZUUL_BRANCH: 'master', ZUUL_PROJECT: 'openstack/nova' },
    },
  });
}

async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const pub = new zmq.Publisher({ sendHighWaterMark: 1_000_000, linger: 0 });
  await pub.bind('tcp://127.0.0.1:*');
  const address = pub.lastEndpoint ?? '';
  const BURST = 50_000;
  const seen = new Uint8Array(RATE * SECONDS + BURST);
  let received = 0;
  let duplicates = 0;
  let probes = 0;
  let firstAt = 0;
  let lastAt = 0;
  const listener = new JenkinsEventListener({
    publishers: [address],
    onEvent: (e) => {
      if (e.nodeName === 'probe') {
        probes++;
        return;
      }
      const seq = Number(e.nodeName.slice('bench-node-'.length));
      if (seen[seq] === 1) duplicates++;
      seen[seq] = 1;
      received++;
      if (received === 1) firstAt = performance.now();
      lastAt = performance.now();
    },
  });
  await listener.start();
  try {
    // PUB drops everything until the subscription has reached it: probe until one arrives.
    while (probes === 0) {
      await pub.send(
        formatJenkinsEvent('onCompleted', { name: 'probe', build: { node_name: 'probe' } }),
      );
      await delay(50);
    }
    const total = RATE * SECONDS;
    const perTick = (RATE * TICK_MS) / 1000;
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      // Catch up to the schedule, then sleep until the next tick.
      const due = Math.min(
        total,
        Math.floor(((performance.now() - start) / TICK_MS + 1) * perTick),
      );
      while (sent < due) await pub.send(message(sent++));
      const next = start + (sent / perTick) * TICK_MS;
      const wait = next - performance.now();
      if (wait > 0) await delay(wait);
    }
    const sendSeconds = (performance.now() - start) / 1000;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (received < total && performance.now() < deadline) await delay(20);
    const receivedPaced = received;
    const lost = total - seen.subarray(0, total).reduce((s, x) => s + x, 0);
    const receiveSeconds = Math.max(lastAt - firstAt, 1) / 1000;
    const receiveRate = Math.round(receivedPaced / receiveSeconds);
    const sendRate = Math.round(sent / sendSeconds);
    // Headroom: the same number of events again, as fast as the publisher can send them.
    const burstStart = performance.now();
    for (let i = 0; i < BURST; i++) await pub.send(message(total + i));
    const burstDeadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (received < total + BURST && performance.now() < burstDeadline) await delay(5);
    const burstRate = Math.round((received - total) / ((performance.now() - burstStart) / 1000));
    const burstLost = BURST - seen.subarray(total).reduce((s, x) => s + x, 0);
    const counters = listener.counters();
    return {
      figures: {
        sent,
        received: receivedPaced,
        lost,
        duplicates,
        dropped: counters.dropped,
        'send rate /s': sendRate,
        'receive rate /s': receiveRate,
        'duration s': Number(sendSeconds.toFixed(2)),
        'burst events': BURST,
        'burst rate /s (unpaced)': burstRate,
        'burst lost': burstLost,
      },
      met: lost === 0 && duplicates === 0 && sendRate >= RATE * 0.98 && receiveRate >= RATE * 0.98,
    };
  } finally {
    await listener.stop();
    pub.close();
  }
}

export default { name, goal, run };
