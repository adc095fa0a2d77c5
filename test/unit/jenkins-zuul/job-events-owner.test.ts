/**
 * Several launchers hear every Jenkins build event (issue #15): only the owner of the
 * node's provider applies it, so it is applied exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import type { JenkinsEvent } from '../../../src/jenkins/index.js';
import type { JenkinsTargets } from '../../../src/jenkins-zuul/index.js';
import { JobEvents } from '../../../src/jenkins-zuul/job-events.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../support/memory/memory-launcher.js';

let world: MemoryLauncher | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

function started(nodeName: string): JenkinsEvent {
  return {
    topic: 'onStarted',
    phase: 'started',
    jobName: 'gate-job',
    nodeName,
    branch: 'master',
    parameters: {},
  };
}

describe('JobEvents with several launchers', () => {
  it('applies an event on the owner of the node’s provider only', async () => {
    const w = (world = await memoryLauncher(
      launcherYaml({
        labels: [{ name: 'small', minReady: 0, providers: ['p1'] }],
        providers: [{ name: 'p1', maxServers: 2 }],
      }),
    ));
    const node = await w.db.nodes.create({
      providerName: 'p1',
      labelName: 'small',
      targetName: 'fake-target',
      state: 'ready',
      nodename: 'small-p1-1',
    });
    const deleted: number[] = [];
    const events = (owns: boolean): JobEvents =>
      new JobEvents(
        { ctx: w.ctx, deleteNode: (id) => deleted.push(id), owns: () => owns },
        {} as JenkinsTargets,
      );
    const other = events(false);
    await other.handle(started('small-p1-1'));
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('ready'));
    const owner = events(true);
    await owner.handle(started('small-p1-1'));
    expect((await w.db.nodes.get(node.id))?.state).toBe(stateCode('used'));
    await other.stop();
    await owner.stop();
  });
});
