/**
 * The provider conformance suite against a REAL OpenStack (Zed, from Debian packages) on
 * 127.0.0.1, brought up by `../shared/realcloud`. Runs only with NODEPOOL_TEST_REAL_OPENSTACK=1
 * (it may take minutes to set the cloud up); the fault-injection checks are skipped.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import { providerConformanceSuite } from '../../conformance/provider.suite.js';
import type { ProviderSuiteTarget } from '../../conformance/provider.suite.js';
import { REALCLOUD_DIR, createRealCloudProject, ensureRealCloud } from '../../support/realcloud.js';
import type { RealCloudProject } from '../../support/realcloud.js';

const enabled = process.env['NODEPOOL_TEST_REAL_OPENSTACK'] === '1';

if (!enabled) {
  process.stderr.write(
    `\n*** SKIPPED: provider suite against the real OpenStack: NODEPOOL_TEST_REAL_OPENSTACK is not 1 (set it to run against ${REALCLOUD_DIR}) ***\n\n`,
  );
  describe.skip('OpenStackProvider against the real OpenStack', () => {
    it('needs NODEPOOL_TEST_REAL_OPENSTACK=1', () => {});
  });
} else {
  let project: RealCloudProject;

  beforeAll(async () => {
    await ensureRealCloud();
    project = await createRealCloudProject();
  }, 900_000);

  afterAll(async () => {
    await project?.remove();
  });

  function config(overrides: Partial<CompiledProvider> = {}): CompiledProvider {
    return {
      name: 'realcloud',
      driver: 'openstack',
      cloud: {
        auth: {
          auth_url: project.authUrl,
          username: project.username,
          password: project.password,
          project_name: project.projectName,
          user_domain_name: 'Default',
          project_domain_name: 'Default',
        },
        regionName: project.regionName,
        interface: 'public',
        identityApiVersion: '3',
        apiTimeoutMs: 60_000,
        imageFormat: 'qcow2',
        isFake: false,
        extra: {},
      },
      maxServers: 10,
      imageType: 'qcow2',
      networks: [{ name: 'private' }],
      ipv6Preferred: false,
      bootTimeoutMs: 60_000,
      launchTimeoutMs: 600_000,
      rateMs: 0,
      templateHostname: 'template-{image.name}-{timestamp}',
      cleanFloatingIps: false,
      images: [],
      ...overrides,
    };
  }

  const target: ProviderSuiteTarget = {
    config,
    expectsFloatingIp: true,
    setInstanceQuota: (n) => project.setInstanceQuota(n),
    seedCloudsValues: () => ({
      OS_USERNAME: project.username,
      OS_PASSWORD: project.password,
      OS_AUTH_URL: project.authUrl,
      OS_PROJECT_NAME: project.projectName,
      OS_REGION_NAME: project.regionName,
    }),
  };
  providerConformanceSuite('the real OpenStack', () => target);
}
