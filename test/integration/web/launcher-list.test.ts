/**
 * `/launcher-list` of the status web app: the launchers the daemon's cluster reports, as the
 * `launcher-list` table or as JSON objects with exactly the CLI's keys; empty when the daemon
 * gives no reader.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { LauncherListEntry } from '../../../src/cluster/index.js';
import { launcherListTable } from '../../../src/status/index.js';
import { createStatusSource, createWebApp } from '../../../src/web/index.js';
import type { WebApp } from '../../../src/web/index.js';
import { http } from './helpers.js';

const entries: LauncherListEntry[] = [
  { name: 'nl01', host: 'h1', pid: 11, since: 1_700_000_000, leader: true, providers: ['a', 'b'] },
  { name: 'nl02', host: 'h2', pid: 22, since: 1_700_000_100, leader: false, providers: [] },
];

describe('/launcher-list', () => {
  const apps: WebApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
  });
  const start = async (launchers?: () => Promise<LauncherListEntry[]>) => {
    const source = createStatusSource({
      config: () => null,
      imageBuilds: () => null,
      database: () => null,
      ...(launchers ? { launchers } : {}),
    });
    const app = createWebApp({
      source,
      log: pino({ level: 'silent' }),
      host: '127.0.0.1',
      port: 0,
    });
    apps.push(app);
    await app.start();
    return app;
  };

  it('serves the cluster’s launchers as JSON and as the CLI table', async () => {
    const app = await start(() => Promise.resolve(entries));
    const json = await http(app.url + '/launcher-list.json');
    expect(json.status).toBe(200);
    const rows = JSON.parse(json.body) as Record<string, unknown>[];
    expect(rows).toEqual(entries);
    for (const row of rows)
      expect(Object.keys(row)).toEqual(['name', 'host', 'pid', 'since', 'leader', 'providers']);
    const text = await http(app.url + '/launcher-list');
    expect(text.body).toBe(launcherListTable(entries));
    expect(text.body.split('\n')[3]).toBe(
      '| nl01 | h1   | 11  | 2023-11-14T22:13:20Z | True   | a,b       |',
    );
  });

  it('is empty without a reader', async () => {
    const app = await start();
    expect(JSON.parse((await http(app.url + '/launcher-list.json')).body)).toEqual([]);
  });
});
