/**
 * The real OpenStack of `../shared/realcloud` (relative to the repository) for tests: brings
 * it up (`status.sh -q || start.sh || setup.sh`), and creates a throw-away project and user
 * per test run so tests never touch other users' servers, floating IPs or quotas.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/** `../shared/realcloud` relative to the repository root. */
export const REALCLOUD_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/realcloud',
);
const CLOUDS_YAML = '/var/lib/realcloud/clouds.yaml';

/** Starts the real cloud if needed (may take minutes the first time on a machine). */
export async function ensureRealCloud(): Promise<void> {
  const d = REALCLOUD_DIR;
  await run('bash', ['-c', `"${d}/status.sh" -q || "${d}/start.sh" || "${d}/setup.sh"`], {
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Credentials of a project made for one test run. */
export interface RealCloudProject {
  authUrl: string;
  regionName: string;
  projectName: string;
  projectId: string;
  username: string;
  password: string;
  /** Sets the Nova instance quota of the project (null: back to 50). */
  setInstanceQuota(n: number | null): Promise<void>;
  /** Creates a public flavor (admin); returns its deletion. */
  createFlavor(name: string, ramMb: number): Promise<() => Promise<void>>;
  /** Deletes the project and the user (servers, images and floating IPs must be gone). */
  remove(): Promise<void>;
}

interface AdminSession {
  token: string;
  catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>;
}

async function adminSession(authUrl: string, auth: Record<string, string>): Promise<AdminSession> {
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: auth['username'],
              domain: { name: 'Default' },
              password: auth['password'],
            },
          },
        },
        scope: { project: { name: auth['project_name'], domain: { name: 'Default' } } },
      },
    }),
  });
  if (res.status !== 201)
    throw new Error(`realcloud admin auth failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: { catalog: AdminSession['catalog'] } };
  return { token: res.headers.get('x-subject-token')!, catalog: body.token.catalog };
}

async function call(s: AdminSession, method: string, url: string, json?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: {
      'X-Auth-Token': s.token,
      ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`realcloud ${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function endpoint(s: AdminSession, type: string): string {
  const svc = s.catalog.find((c) => c.type === type)!;
  return svc.endpoints.find((e) => e.interface === 'public')!.url.replace(/\/+$/, '');
}

/** Creates a project `np-test-<random>` with a member user. */
export async function createRealCloudProject(): Promise<RealCloudProject> {
  const clouds = parse(await readFile(CLOUDS_YAML, 'utf8')) as {
    clouds: Record<string, { auth: Record<string, string>; region_name: string }>;
  };
  const admin = clouds.clouds['realcloud']!;
  const authUrl = admin.auth['auth_url']!.replace(/\/+$/, '');
  const s = await adminSession(authUrl, admin.auth);
  const name = `np-test-${randomUUID().slice(0, 8)}`;
  const password = randomUUID();
  const project = (
    await call(s, 'POST', `${authUrl}/projects`, { project: { name, domain_id: 'default' } })
  ).project;
  const user = (
    await call(s, 'POST', `${authUrl}/users`, {
      user: {
        name: `${name}-user`,
        password,
        domain_id: 'default',
        default_project_id: project.id,
      },
    })
  ).user;
  const roles = (await call(s, 'GET', `${authUrl}/roles?name=member`)).roles;
  await call(s, 'PUT', `${authUrl}/projects/${project.id}/users/${user.id}/roles/${roles[0].id}`);
  const nova = endpoint(s, 'compute');
  return {
    authUrl,
    regionName: admin.region_name,
    projectName: name,
    projectId: project.id,
    username: `${name}-user`,
    password,
    async setInstanceQuota(n) {
      await call(s, 'PUT', `${nova}/os-quota-sets/${project.id}`, {
        quota_set: { instances: n ?? 50 },
      });
    },
    async createFlavor(flavorName, ramMb) {
      const flavor = (
        await call(s, 'POST', `${nova}/flavors`, {
          flavor: { name: flavorName, ram: ramMb, vcpus: 1, disk: 1 },
        })
      ).flavor;
      return async () => {
        await call(s, 'DELETE', `${nova}/flavors/${flavor.id}`);
      };
    },
    async remove() {
      await call(s, 'DELETE', `${authUrl}/users/${user.id}`);
      await call(s, 'DELETE', `${authUrl}/projects/${project.id}`);
    },
  };
}
