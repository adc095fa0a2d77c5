/**
 * BaseService, the life cycle every long-lived part follows: states in order, one start,
 * an idempotent stop that owns the final state, and failures of either step.
 */
import { describe, expect, it } from 'vitest';
import { BaseService } from '../../../src/util/index.js';
import type { ServiceState } from '../../../src/util/index.js';

/** A service whose start and stop a test controls. */
class TestService extends BaseService {
  readonly transitions: string[] = [];
  starts = 0;
  stops = 0;
  startWith: () => Promise<void> = () => Promise.resolve();
  stopWith: () => Promise<void> = () => Promise.resolve();

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.transitions.push(`${from}->${to}`);
  }

  get isAborted(): boolean {
    return this.signal.aborted;
  }

  protected doStart(): Promise<void> {
    this.starts += 1;
    return this.startWith();
  }

  protected doStop(): Promise<void> {
    this.stops += 1;
    return this.stopWith();
  }
}

describe('BaseService', () => {
  it('goes new, starting, running, stopping, stopped, aborting its signal when stop begins', async () => {
    const s = new TestService();
    expect(s.state).toBe('new');
    await s.start();
    expect(s.isAborted).toBe(false);
    await s.stop();
    expect(s.isAborted).toBe(true);
    expect(s.transitions).toEqual([
      'new->starting',
      'starting->running',
      'running->stopping',
      'stopping->stopped',
    ]);
  });

  it('refuses a second start with the current state', async () => {
    const s = new TestService();
    await s.start();
    const err = await s.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    expect((err as Error).message).toBe('Cannot start a service twice: state is "running"');
    expect(s.starts).toBe(1);
  });

  it('returns the same promise from every stop and stops once', async () => {
    const s = new TestService();
    await s.start();
    const a = s.stop();
    const b = s.stop();
    expect(a).toBe(b);
    await a;
    expect(s.stops).toBe(1);
  });

  it('stops a service that never started without calling its stop step', async () => {
    const s = new TestService();
    await s.stop();
    expect(s.state).toBe('stopped');
    expect(s.stops).toBe(0);
    await expect(s.start()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
  });

  it('ends failed when its start step fails, and rethrows', async () => {
    const s = new TestService();
    s.startWith = () => Promise.reject(new Error('port in use'));
    await expect(s.start()).rejects.toThrow('port in use');
    expect(s.state).toBe('failed');
  });

  it('lets a stop that began during start own the final state', async () => {
    const s = new TestService();
    let finishStart: () => void = () => {};
    s.startWith = () => new Promise<void>((resolve) => (finishStart = resolve));
    const starting = s.start();
    const stopping = s.stop();
    finishStart();
    await starting;
    await stopping;
    expect(s.state).toBe('stopped');
    expect(s.transitions).toEqual(['new->starting', 'starting->stopping', 'stopping->stopped']);
  });

  it('ends failed when its stop step fails, and every stop rejects with that error', async () => {
    const s = new TestService();
    await s.start();
    s.stopWith = () => Promise.reject(new Error('socket stuck'));
    await expect(s.stop()).rejects.toThrow('socket stuck');
    await expect(s.stop()).rejects.toThrow('socket stuck');
    expect(s.state).toBe('failed');
    expect(s.stops).toBe(1);
  });
});
