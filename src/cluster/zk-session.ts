/**
 * What one ZooKeeper session of a member holds: its member node, its election node and its
 * one-shot watches. Every call runs under the session's signal, aborted when the session is
 * lost, so no request of a dead session is retried on the next one (that could delete a
 * claim that by then belongs to another member).
 */
import { NodepoolError } from '../errors.js';
import type { ZkClient, ZkWatcher } from '../zk/index.js';
import { ConnectionLossError, NoNodeError, NodeExistsError } from '../zk/index.js';
import type { LauncherMember } from './types.js';
import {
  ELECTION_DIR,
  MEMBERS_DIR,
  decodeMember,
  decodeSegment,
  electionPrefix,
  encodeMember,
  memberPath,
  sortElection,
} from './znodes.js';

/** `ERR_LAUNCHER_NAME_TAKEN`, naming the holder's host and pid when known. */
function nameTaken(name: string, holder: LauncherMember | null, cause: unknown): NodepoolError {
  const where = holder === null ? 'another launcher' : `host ${holder.host}, pid ${holder.pid}`;
  return new NodepoolError(
    `Launcher name "${name}" is already taken by a live launcher (${where}); ` +
      'stop it or choose another --launcher-name',
    {
      code: 'ERR_LAUNCHER_NAME_TAKEN',
      cause,
      details: { name, host: holder?.host, pid: holder?.pid },
    },
  );
}

/** Whether work started for one session generation may go on. */
export interface ScopeHandle {
  current(): boolean;
}

/** The per-session state of a {@link ZkCluster} member. */
export class SessionScope {
  private gen = -1;
  private ctl = new AbortController();
  private readonly armed = new Set<string>();
  private registeredGen = -1;
  private electionNode: string | null = null;
  private lastMembers = '';

  constructor(
    private readonly zk: ZkClient,
    private readonly member: LauncherMember,
    private readonly token: string,
    private readonly onWatch: () => void,
  ) {}

  /** Aborted when this session ends. */
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** Enters session `gen` (a new generation starts afresh: no node, no watch). */
  scope(gen: number): ScopeHandle {
    if (gen !== this.gen) {
      this.ctl.abort();
      this.ctl = new AbortController();
      this.armed.clear();
      this.gen = gen;
      this.electionNode = null;
    }
    return { current: () => this.gen === gen && this.zk.generation === gen };
  }

  /** The session ended (lost, closed, stopping): abort its calls and forget its watches. */
  end(): void {
    this.ctl.abort();
    this.armed.clear();
    this.gen = -1;
  }

  /**
   * Runs `fn` with a one-shot watcher for `key`, unless one is armed already (then `fn` gets
   * undefined). A firing watch calls `extra`, then asks for a pass.
   */
  async watched<T>(
    key: string,
    fn: (watch: ZkWatcher | undefined) => Promise<T>,
    extra?: () => void,
  ): Promise<T> {
    if (this.armed.has(key)) return fn(undefined);
    const gen = this.gen;
    this.armed.add(key);
    try {
      return await fn(() => {
        if (this.gen !== gen || !this.armed.delete(key)) return;
        extra?.();
        this.onWatch();
      });
    } catch (err) {
      this.armed.delete(key);
      throw err;
    }
  }

  /**
   * Creates an ephemeral node of this session (parents as needed). After a connection loss
   * the create may have been applied: a node of this session at `path` counts as created.
   */
  async createEphemeral(path: string, data: string): Promise<void> {
    const signal = this.signal;
    for (;;) {
      try {
        await this.zk.create(path, { data, mode: 'ephemeral', makeParents: true, signal });
        return;
      } catch (err) {
        if (!(err instanceof ConnectionLossError)) throw err;
        await this.zk.waitConnected({ signal });
        const stat = await this.zk.exists(path, { signal });
        if (stat !== null && stat.ephemeralOwner === this.zk.sessionId) return;
      }
    }
  }

  /**
   * Registers the member node for session `gen` once.
   * @throws NodepoolError `ERR_LAUNCHER_NAME_TAKEN` when another session holds the name.
   */
  async register(gen: number): Promise<void> {
    if (this.registeredGen === gen) return;
    const path = memberPath(this.member.name);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.createEphemeral(path, encodeMember(this.member));
        break;
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
        const got = await this.zk.get(path, { signal: this.signal }).catch((e: unknown) => {
          if (e instanceof NoNodeError) return null;
          throw e;
        });
        if (got === null && attempt < 3) continue; // the holder just left: try again
        if (got?.stat.ephemeralOwner === this.zk.sessionId) break;
        throw nameTaken(this.member.name, got === null ? null : decodeMember('', got.data), err);
      }
    }
    this.registeredGen = gen;
  }

  /** Joins the election of session `gen` if needed; true when this member leads. */
  async elect(gen: number): Promise<boolean> {
    const signal = this.signal;
    for (let attempt = 0; attempt < 10; attempt++) {
      this.electionNode ??= await this.createElectionNode();
      const children = sortElection(await this.zk.getChildren(ELECTION_DIR, { signal }));
      const idx = children.indexOf(this.electionNode.slice(ELECTION_DIR.length + 1));
      if (idx < 0) {
        this.electionNode = null; // deleted by hand: join again
        continue;
      }
      if (idx === 0) return true;
      const pred = `${ELECTION_DIR}/${children[idx - 1]}`;
      // Watching only the predecessor: one member wakes when a node goes.
      const stat = await this.watched(`pred:${pred}:${gen}`, (watch) =>
        this.zk.exists(pred, { watch, signal }),
      );
      if (stat !== null) return false;
    }
    throw new Error('The election kept changing; trying again later');
  }

  private async createElectionNode(): Promise<string> {
    const signal = this.signal;
    const prefix = electionPrefix(this.token);
    for (;;) {
      try {
        return await this.zk.create(prefix, {
          data: this.member.name,
          mode: 'ephemeral_sequential',
          makeParents: true,
          signal,
        });
      } catch (err) {
        if (!(err instanceof ConnectionLossError)) throw err;
        await this.zk.waitConnected({ signal });
        const mine = (await this.zk.getChildren(ELECTION_DIR, { signal })).find((c) =>
          c.startsWith(prefix.slice(ELECTION_DIR.length + 1)),
        );
        if (mine !== undefined) return `${ELECTION_DIR}/${mine}`;
      }
    }
  }

  /** The live member names (watched); `onChange` runs when they differ from last time. */
  async members(gen: number, onChange: () => void): Promise<string[]> {
    const names = (
      await this.watched(`members:${gen}`, (watch) =>
        this.zk.getChildren(MEMBERS_DIR, { watch, signal: this.signal }),
      )
    )
      .map(decodeSegment)
      .sort();
    const key = names.join('\n');
    if (key !== this.lastMembers) {
      this.lastMembers = key;
      onChange();
    }
    return names;
  }

  /** Removes this session's election and member nodes (best effort within `limit`). */
  async leave(limit: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([this.signal, limit]);
    for (const path of [this.electionNode, memberPath(this.member.name)]) {
      if (path === null) continue;
      const stat = await this.zk.exists(path, { signal });
      if (stat === null || stat.ephemeralOwner !== this.zk.sessionId) continue;
      await this.zk.delete(path, { signal }).catch((err: unknown) => {
        if (!(err instanceof NoNodeError)) throw err;
      });
    }
    this.electionNode = null;
  }
}
