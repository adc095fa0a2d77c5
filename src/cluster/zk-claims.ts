/**
 * Provider claims of one member: `owners/<provider>` is the mutex. The desired owner creates
 * the claim when it is absent, adopts the provider, and only then owns it; a member holding
 * a claim it is no longer desired for stops owning, releases, then deletes the claim.
 */
import type { Logger } from 'pino';
import type { ZkClient } from '../zk/index.js';
import { NoNodeError, NodeExistsError } from '../zk/index.js';
import type { ClusterHooks } from './types.js';
import type { SessionScope } from './zk-session.js';
import { ownerPath, requestDir } from './znodes.js';

/** What one claim pass needs from the cluster. */
export interface ClaimPass {
  readonly providers: readonly string[];
  /** The rendezvous owner of a provider among the live members (null: nobody should). */
  readonly desired: (provider: string) => string | null;
  readonly hooks: ClusterHooks;
  /** The fence signal handed to `adopt`. */
  readonly fence: AbortSignal;
  /** False once the session changed, the member was fenced or is stopping. */
  readonly stillValid: () => boolean;
  /** A launch request of `provider` appeared or went. */
  readonly onRequests: (provider: string) => void;
}

/** What the loop should do after a claim pass. */
export type ClaimOutcome = 'done' | 'again-now' | 'again-later';

/** Claims and ownership of one member. */
export class ClaimTable {
  /** Providers adopted under a claim of the current session. */
  readonly owned = new Set<string>();
  /** Providers whose claim znode belongs to the current session. */
  private readonly held = new Set<string>();
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly zk: ZkClient,
    private readonly session: SessionScope,
    private readonly self: string,
    private readonly retryMs: number,
    private readonly log: Logger,
  ) {}

  /** The session ended: its claims are gone with it. */
  forgetSession(): void {
    this.owned.clear();
    this.held.clear();
  }

  /** Brings the claims of `pass.providers` (and of any provider still held) in line. */
  async reconcile(pass: ClaimPass): Promise<ClaimOutcome> {
    let outcome: ClaimOutcome = 'done';
    const signal = this.session.signal;
    for (const p of [...new Set([...pass.providers, ...this.held])].sort()) {
      if (!pass.stillValid()) return 'done';
      const path = ownerPath(p);
      const stat = await this.session.watched(`owner:${p}`, (watch) =>
        this.zk.exists(path, { watch, signal }),
      );
      const ours = stat !== null && stat.ephemeralOwner === this.zk.sessionId;
      if (ours) this.held.add(p);
      else {
        this.held.delete(p);
        // The claim vanished under us (removed by hand): stop owning.
        if (this.owned.delete(p)) await this.giveUp(p, pass.hooks);
      }
      if (pass.desired(p) === this.self) {
        if (stat === null) {
          if ((this.retryAt.get(p) ?? 0) > Date.now()) {
            outcome = 'again-later';
            continue;
          }
          try {
            await this.session.createEphemeral(path, JSON.stringify({ name: this.self }));
          } catch (err) {
            if (!(err instanceof NodeExistsError)) throw err;
            outcome = 'again-now';
            continue;
          }
          this.held.add(p);
        } else if (!ours) continue; // its holder releases it; the watch wakes us
        if (!this.owned.has(p) && !(await this.adopt(p, pass))) outcome = 'again-later';
      } else if (ours) {
        if (this.owned.delete(p)) await this.giveUp(p, pass.hooks);
        await this.deleteClaim(p, signal);
      }
    }
    for (const p of this.owned) {
      if (!pass.stillValid()) break;
      await this.watchRequests(p, pass);
    }
    return outcome;
  }

  /** Releases every owned provider and deletes this session's claims (stopping). */
  async releaseAll(hooks: ClusterHooks, limit: AbortSignal): Promise<void> {
    const held = [...this.held].sort();
    for (const p of held) if (this.owned.delete(p)) await this.giveUp(p, hooks);
    for (const p of held) {
      try {
        await this.deleteClaim(p, AbortSignal.any([this.session.signal, limit]));
      } catch (err) {
        this.log.debug({ err, provider: p }, 'Deleting the claim failed; the session end does it');
      }
    }
  }

  /** Runs `hooks.adopt`; false when it failed (the claim is deleted, retried later). */
  private async adopt(p: string, pass: ClaimPass): Promise<boolean> {
    try {
      await pass.hooks.adopt(p, pass.fence);
    } catch (err) {
      this.log.warn({ err, provider: p }, 'Adopting provider %s failed; retrying later', p);
      this.retryAt.set(p, Date.now() + this.retryMs);
      await this.deleteClaim(p, this.session.signal);
      return false;
    }
    if (!pass.stillValid() || pass.fence.aborted || !this.held.has(p)) return true;
    this.retryAt.delete(p);
    this.owned.add(p);
    this.log.info({ provider: p }, 'Owning provider %s', p);
    pass.hooks.changed();
    return true;
  }

  /** `owns(p)` is already false: tell the launcher and wait for it. */
  private async giveUp(p: string, hooks: ClusterHooks): Promise<void> {
    this.log.info({ provider: p }, 'Releasing provider %s', p);
    hooks.changed();
    await hooks.release(p);
  }

  /** Deletes the claim of `p` if this session holds it. */
  private async deleteClaim(p: string, signal: AbortSignal): Promise<void> {
    this.held.delete(p);
    const path = ownerPath(p);
    const stat = await this.zk.exists(path, { signal });
    if (stat === null || stat.ephemeralOwner !== this.zk.sessionId) return;
    try {
      await this.zk.delete(path, { version: stat.version, signal });
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /** Keeps a child watch on the request dir of an owned provider. */
  private async watchRequests(p: string, pass: ClaimPass): Promise<void> {
    const signal = this.session.signal;
    const dir = requestDir(p);
    await this.session.watched(
      `requests:${p}`,
      async (watch) => {
        if (watch === undefined) return;
        await this.zk.mkdirp(dir, { signal });
        const children = await this.zk.getChildren(dir, { watch, signal });
        if (children.length > 0) pass.onRequests(p);
      },
      () => pass.onRequests(p),
    );
  }
}
