/**
 * Timed state changes of the fake cloud: servers BUILD → ACTIVE/ERROR, deletions, image
 * `saving` → `active`. Every pending timer is owned here and cancelled by `stop()`.
 */
import { schedule } from '../util/index.js';
import { FLOATING_NETWORK } from './seed.js';
import { AUTO_FLOATING_IP, isoNow } from './store.js';
import type { FakeCloudStore } from './store.js';
import { hostIdFor } from './nova-views.js';

/** Fault Nova records when scheduling fails. */
const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

/** Runs the fake cloud's delayed transitions. */
export class Lifecycle {
  private readonly pending = new Map<number, () => void>();
  private nextId = 0;
  private isStopped = false;

  constructor(private readonly store: FakeCloudStore) {}

  /** Runs `fn` after `ms` (at once, synchronously, when `ms` is 0 and `sync` is set). */
  private after(ms: number, fn: () => void, sync = false): void {
    if (this.isStopped) return;
    if (ms <= 0 && sync) {
      fn();
      return;
    }
    const id = this.nextId++;
    const cancel = schedule(() => {
      this.pending.delete(id);
      fn();
    }, ms);
    this.pending.set(id, cancel);
  }

  /** Finishes the build of a new server after the build delay, as ACTIVE or (failed) ERROR. */
  build(serverId: string, fail: boolean): void {
    this.after(this.store.knobs.buildDelayMs, () => {
      const server = this.store.servers.get(serverId);
      if (server === undefined || server.status !== 'BUILD') return;
      const now = isoNow();
      server.updated = now;
      server.taskState = server.taskState === 'deleting' ? 'deleting' : null;
      if (fail) {
        for (const p of server.portIds) this.store.deletePort(p);
        server.portIds = [];
        Object.assign(server, { status: 'ERROR', vmState: 'error', powerState: 0 });
        server.fault = { code: 500, created: now, message: NO_VALID_HOST };
        return;
      }
      Object.assign(server, {
        status: 'ACTIVE',
        vmState: 'active',
        powerState: 1,
        launchedAt: now,
        hostId: hostIdFor(server.projectId),
      });
      // A server already being deleted gets no public address (it would outlive the server).
      if (this.store.knobs.autoFloatingIp && server.taskState !== 'deleting')
        this.addFloatingIp(serverId);
      this.store.onServersChanged?.();
    });
  }

  /** Gives an ACTIVE server a floating IP unless it already has an external address. */
  private addFloatingIp(serverId: string): void {
    const server = this.store.servers.get(serverId);
    if (server === undefined) return;
    const ports = server.portIds.map((p) => this.store.ports.get(p)).filter((p) => p !== undefined);
    const isExternal = ports.some((p) => this.store.networks.get(p.networkId)?.isExternal === true);
    const v4Port = ports.find((p) => p.fixedIps.some((f) => !f.ipAddress.includes(':')));
    const pool = this.store.findNetwork(FLOATING_NETWORK);
    if (isExternal || v4Port === undefined || pool === undefined) return;
    try {
      const fip = this.store.createFloatingIp(pool.id, server.projectId, AUTO_FLOATING_IP);
      this.store.setFloatingIpPort(fip, v4Port);
    } catch {
      // Pool exhausted: the server simply stays without a public address, as on a full cloud.
    }
  }

  /** Completes a server deletion after the delete delay; `fail` leaves it in ERROR instead. */
  delete(serverId: string, fail: boolean): void {
    this.after(
      this.store.knobs.deleteDelayMs,
      () => {
        const server = this.store.servers.get(serverId);
        if (server === undefined) return;
        if (!fail) {
          this.store.removeServer(serverId);
          return;
        }
        const now = isoNow();
        Object.assign(server, { status: 'ERROR', vmState: 'error', taskState: null, updated: now });
        server.fault = {
          code: 500,
          created: now,
          message: 'Failed to terminate instance: fault injected by the fake cloud',
        };
      },
      true,
    );
  }

  /** Turns a `saving` image `active` after the save delay. */
  saveImage(imageId: string, onDone: () => void = () => {}): void {
    this.after(
      this.store.knobs.imageSaveDelayMs,
      () => {
        const image = this.store.images.get(imageId);
        if (image?.status !== 'saving') return;
        image.status = 'active';
        image.updatedAt = isoNow();
        onDone();
      },
      true,
    );
  }

  /** Cancels every pending transition; later calls do nothing. */
  stop(): void {
    this.isStopped = true;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  /** Cancels pending transitions but keeps accepting new ones (used by reset). */
  clear(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }
}
