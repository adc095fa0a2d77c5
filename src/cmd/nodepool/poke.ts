/**
 * Telling running launchers that a verb changed node or job rows (issue #15): the verb
 * starts connecting to ZooKeeper when it starts, so the session is set up while it does its
 * database work, and pokes the launcher events znode after its write. Without
 * `zookeeper-servers` nothing happens. A poke that fails is a debug line and never fails the
 * command: launchers also poll the database, so they only notice a little later.
 */
import type { LaunchEvent } from '../../zk/index.js';
import { ZkClient, pokeLaunchers } from '../../zk/index.js';
import type { CliContext } from './verb.js';

/** How long a verb waits for ZooKeeper, to connect and then to write. */
const POKE_TIMEOUT_MS = 2000;

/** What {@link startLauncherPoke} returns. */
export interface LauncherPoke {
  /** Writes the poke; resolves (never rejects) once written, skipped or failed. */
  poke(what: LaunchEvent): Promise<void>;
}

type Connected = { zk: ZkClient | null } | { err: unknown };

/** Starts connecting to ZooKeeper now (the session is closed when the command ends). */
export function startLauncherPoke(ctx: CliContext): LauncherPoke {
  let client: ZkClient | null = null;
  let isClosed = false;
  const connected: Promise<Connected> = (async () => {
    const config = await ctx.config();
    if (config.zookeeperServers.length === 0 || isClosed) return { zk: null };
    client = new ZkClient({
      servers: config.zookeeperServers,
      log: ctx.log,
      connectTimeoutMs: POKE_TIMEOUT_MS,
    });
    await client.start();
    return { zk: client };
  })().then(
    (r) => r,
    (err: unknown) => ({ err }),
  );
  // Waits for a start under way to settle (at most the connect timeout), so a verb that ends
  // early never leaves a session connecting in the background.
  ctx.onClose(async () => {
    isClosed = true;
    await connected;
    await client?.stop();
  });
  return {
    async poke(what) {
      const r = await connected;
      if ('err' in r) {
        ctx.log.debug({ err: r.err }, 'Cannot tell the launchers (they will notice later)');
        return;
      }
      if (r.zk === null) return;
      try {
        await pokeLaunchers(r.zk, what, { signal: AbortSignal.timeout(POKE_TIMEOUT_MS) });
      } catch (err) {
        ctx.log.debug({ err }, 'Cannot tell the launchers (they will notice later)');
      }
    },
  };
}
