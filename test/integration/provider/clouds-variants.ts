/**
 * The clouds.yaml corpus of the openstacksdk-oracle test: every documented form of a cloud
 * entry (and of OS_* variables, secure.yaml, clouds-public.yaml) that changes which identity
 * request is sent or which endpoint is called next. `{AUTH}` is the fake cloud's v3 auth URL,
 * `{ROOT}` its unversioned one and `{V2}` its v2.0 one.
 */

/** One variant. */
export interface CloudsVariant {
  name: string;
  /** clouds.yaml text (absent: no clouds.yaml). */
  clouds?: string;
  /** Where clouds.yaml is put. @default 'home' */
  at?: 'home' | 'cwd' | 'xdg' | 'override';
  secure?: string;
  publicClouds?: string;
  env?: Record<string, string>;
  /** The provider's `cloud:` (and openstacksdk's `cloud=`); absent: the default cloud. */
  cloud?: string;
  /** The provider's `region-name`. */
  region?: string;
  /** The fake cloud offers Keystone v2.0 too. */
  v2?: boolean;
}

const creds = '      username: demo\n      password: secret\n';
const std = (extra = '', top = ''): string =>
  `clouds:\n  c:\n    auth:\n      auth_url: {AUTH}\n${creds}${extra}${top}`;
const dom = '      user_domain_name: Default\n      project_domain_name: Default\n';

export const VARIANTS: CloudsVariant[] = [
  {
    name: 'seed 004 as written (project_name beside auth, regions list)',
    clouds: `clouds:\n  le-cloud:\n    auth:\n      username: "demo"\n      password: "secret"\n      auth_url: "{AUTH}"\n    project_name: "demo"\n    regions:\n      - "RegionOne"\n`,
    cloud: 'le-cloud',
  },
  {
    name: 'seed 004 form, unversioned auth_url',
    clouds: `clouds:\n  le-cloud:\n    auth:\n      username: demo\n      password: secret\n      auth_url: {ROOT}\n    project_name: demo\n    regions: [RegionOne]\n`,
    cloud: 'le-cloud',
  },
  {
    name: 'seed 004 form, unversioned auth_url, cloud offers v2.0 (no domain: v2.0 chosen)',
    clouds: `clouds:\n  le-cloud:\n    auth:\n      username: demo\n      password: secret\n      auth_url: {ROOT}\n    project_name: demo\n    regions: [RegionOne]\n`,
    cloud: 'le-cloud',
    v2: true,
  },
  {
    name: 'project and domains inside auth',
    clouds: std(`      project_name: demo\n${dom}`),
    cloud: 'c',
  },
  { name: 'project_id beside auth', clouds: std('', '    project_id: p-123\n'), cloud: 'c' },
  { name: 'tenant_name beside auth', clouds: std(dom, '    tenant_name: demo\n'), cloud: 'c' },
  { name: 'tenant_id inside auth', clouds: std('      tenant_id: t-1\n'), cloud: 'c' },
  {
    name: 'project_name inside auth beats tenant_name beside it',
    clouds: std(`      project_name: inner\n${dom}`, '    tenant_name: outer\n'),
    cloud: 'c',
  },
  {
    name: 'project_name beside auth beats tenant_name inside it',
    clouds: std(`      tenant_name: inner\n${dom}`, '    project_name: outer\n'),
    cloud: 'c',
  },
  {
    name: 'project-name (dashes) beside auth',
    clouds: std(dom, '    project-name: dashed\n'),
    cloud: 'c',
  },
  {
    name: 'no auth block at all',
    clouds: `clouds:\n  c:\n    auth_url: {AUTH}\n    username: demo\n    password: secret\n    project_name: demo\n    user_domain_name: Default\n    project_domain_name: Default\n`,
    cloud: 'c',
  },
  {
    name: 'domain_name beside auth with a project',
    clouds: std('      project_name: demo\n', '    domain_name: Default\n'),
    cloud: 'c',
  },
  {
    name: 'domain_id inside auth with a project',
    clouds: std('      project_name: demo\n      domain_id: default\n'),
    cloud: 'c',
  },
  {
    name: 'domain_name and no project: domain-scoped token',
    clouds: std('      domain_name: Default\n'),
    cloud: 'c',
  },
  {
    name: 'domain_id beside auth, no project: domain-scoped',
    clouds: std('', '    domain_id: default\n'),
    cloud: 'c',
  },
  {
    name: 'user_domain_id and project_domain_id beside auth',
    clouds: std(
      '      project_name: demo\n',
      '    user_domain_id: default\n    project_domain_id: default\n',
    ),
    cloud: 'c',
  },
  {
    name: 'user_id instead of username',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {AUTH}\n      user_id: u-42\n      password: secret\n      project_id: p-1\n`,
    cloud: 'c',
  },
  {
    name: 'regions as names, provider picks the second',
    clouds: std(`      project_name: demo\n${dom}`, '    regions: [RegionOne, RegionTwo]\n'),
    cloud: 'c',
    region: 'RegionTwo',
  },
  {
    name: 'regions as names, the first is the default',
    clouds: std(`      project_name: demo\n${dom}`, '    regions: [RegionTwo, RegionOne]\n'),
    cloud: 'c',
  },
  {
    name: 'regions as dicts with values (interface per region)',
    clouds: std(
      `      project_name: demo\n${dom}`,
      '    regions:\n      - name: RegionOne\n      - name: RegionTwo\n        values:\n          interface: internal\n',
    ),
    cloud: 'c',
    region: 'RegionTwo',
  },
  {
    name: 'region values override auth (project per region)',
    clouds: std(
      `      project_name: demo\n${dom}`,
      '    regions:\n      - name: RegionOne\n        values:\n          auth:\n            project_name: one\n      - name: RegionTwo\n',
    ),
    cloud: 'c',
  },
  {
    name: 'region_name single',
    clouds: std(`      project_name: demo\n${dom}`, '    region_name: RegionTwo\n'),
    cloud: 'c',
  },
  {
    name: 'region_name comma list, provider picks one',
    clouds: std(`      project_name: demo\n${dom}`, '    region_name: RegionOne,RegionTwo\n'),
    cloud: 'c',
    region: 'RegionTwo',
  },
  {
    name: 'interface internal',
    clouds: std(`      project_name: demo\n${dom}`, '    interface: internal\n'),
    cloud: 'c',
  },
  {
    name: 'endpoint_type admin',
    clouds: std(`      project_name: demo\n${dom}`, '    endpoint_type: admin\n'),
    cloud: 'c',
  },
  {
    name: 'OS_* variables only',
    env: {
      OS_AUTH_URL: '{AUTH}',
      OS_USERNAME: 'demo',
      OS_PASSWORD: 'secret',
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionTwo',
    },
  },
  {
    name: 'OS_* variables with OS_TENANT_NAME and OS_INTERFACE',
    env: {
      OS_AUTH_URL: '{AUTH}',
      OS_USERNAME: 'demo',
      OS_PASSWORD: 'secret',
      OS_TENANT_NAME: 'tenant',
      OS_DOMAIN_NAME: 'Default',
      OS_INTERFACE: 'internal',
    },
  },
  {
    name: 'OS_CLOUD picks one of two clouds',
    clouds: `${std(`      project_name: one\n${dom}`)}  d:\n    auth:\n      auth_url: {AUTH}\n${creds}      project_name: two\n${dom}    region_name: RegionTwo\n`,
    env: { OS_CLOUD: 'd' },
  },
  {
    name: 'OS_CLIENT_CONFIG_FILE names the file',
    clouds: std('      project_name: override\n', '    domain_name: Default\n'),
    at: 'override',
    cloud: 'c',
  },
  {
    name: 'clouds.yaml in the working directory',
    clouds: std('      project_name: cwd\n', '    domain_name: Default\n'),
    at: 'cwd',
    cloud: 'c',
  },
  {
    name: 'clouds.yaml under XDG_CONFIG_HOME',
    clouds: std('      project_name: xdg\n', '    domain_name: Default\n'),
    at: 'xdg',
    cloud: 'c',
  },
  {
    name: 'secure.yaml adds the password',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {AUTH}\n      username: demo\n      project_name: demo\n${dom}`,
    secure: 'clouds:\n  c:\n    auth:\n      password: from-secure\n',
    cloud: 'c',
  },
  {
    name: 'secure.yaml overrides the project',
    clouds: std(`      project_name: plain\n${dom}`),
    secure: 'clouds:\n  c:\n    auth:\n      project_name: secret-project\n',
    cloud: 'c',
  },
  {
    name: 'profile from clouds-public.yaml (auth_url and regions)',
    clouds: `clouds:\n  c:\n    profile: acme\n    auth:\n${creds}      project_name: demo\n${dom}`,
    publicClouds:
      'public-clouds:\n  acme:\n    auth:\n      auth_url: {AUTH}\n    regions: [RegionTwo, RegionOne]\n    interface: internal\n',
    cloud: 'c',
  },
  {
    name: 'profile named by the old `cloud` key',
    clouds: `clouds:\n  c:\n    cloud: acme\n    auth:\n${creds}      project_name: demo\n${dom}`,
    publicClouds:
      'public-clouds:\n  acme:\n    auth:\n      auth_url: {AUTH}\n    region_name: RegionTwo\n',
    cloud: 'c',
  },
  {
    name: 'entry settings beat the profile',
    clouds: `clouds:\n  c:\n    profile: acme\n    interface: admin\n    auth:\n${creds}      project_name: demo\n${dom}`,
    publicClouds:
      'public-clouds:\n  acme:\n    auth:\n      auth_url: {AUTH}\n    interface: internal\n',
    cloud: 'c',
  },
  {
    name: 'default_domain_name, unversioned URL, v2.0 offered: v3 preferred',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {ROOT}\n${creds}      project_name: demo\n      default_domain_name: Default\n`,
    cloud: 'c',
    v2: true,
  },
  {
    name: 'user_domain_name, unversioned URL, v2.0 offered: v3',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {ROOT}\n${creds}      project_name: demo\n      user_domain_name: Default\n`,
    cloud: 'c',
    v2: true,
  },
  {
    name: 'project_domain_name, unversioned URL, v2.0 offered: v3',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {ROOT}\n${creds}      project_name: demo\n      project_domain_name: Default\n`,
    cloud: 'c',
    v2: true,
  },
  {
    name: 'domain keys with a /v2.0 auth_url are refused',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {V2}\n${creds}      project_name: demo\n${dom}`,
    cloud: 'c',
    v2: true,
  },
  {
    name: 'domain keys with a /v2.0 auth_url the cloud does not serve are refused',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {V2}\n${creds}      project_name: demo\n${dom}`,
    cloud: 'c',
  },
  {
    name: '/v2.0 auth_url without domains: v2.0 by tenantName',
    clouds: `clouds:\n  c:\n    auth:\n      auth_url: {V2}\n${creds}    project_name: demo\n`,
    cloud: 'c',
    v2: true,
  },
  { name: 'the only cloud is the default', clouds: std(`      project_name: only\n${dom}`) },
  {
    name: 'an unknown region is refused',
    clouds: std(`      project_name: demo\n${dom}`, '    regions: [RegionOne]\n'),
    cloud: 'c',
    region: 'Nowhere',
  },
  {
    name: 'a region dict with an unknown key is refused',
    clouds: std(
      `      project_name: demo\n${dom}`,
      '    regions:\n      - name: RegionOne\n        interface: internal\n',
    ),
    cloud: 'c',
  },
  {
    name: 'a cloud missing from clouds.yaml is refused',
    clouds: std(`      project_name: demo\n${dom}`),
    cloud: 'other',
  },
  {
    name: 'tenant_id beside auth loses to project_id inside it',
    clouds: std(`      project_id: inner\n`, '    tenant_id: outer\n'),
    cloud: 'c',
  },
  { name: 'no project at all: unscoped token', clouds: std(dom), cloud: 'c' },
  {
    name: 'user domain only beside auth, project without domain',
    clouds: std('      project_name: demo\n', '    user_domain_name: Default\n'),
    cloud: 'c',
  },
];
