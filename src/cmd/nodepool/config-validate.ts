/** `nodepool config-validate`: checks nodepool.yaml as upstream's validator does, and more. */
import { formatProblem, validateConfig } from '../../config/index.js';
import type { CliContext } from './verb.js';

/**
 * Validates `-c` without touching secure.conf, clouds.yaml, the database or ZooKeeper.
 * Valid: one line on stdout (and any warnings on stderr), exit 0. Invalid: the
 * ConfigError goes to the single exit path, which prints every problem on its own line.
 */
export async function run(ctx: CliContext): Promise<void> {
  const warnings = await validateConfig(ctx.configPath);
  for (const w of warnings) process.stderr.write(`warning: ${formatProblem({ ...w })}\n`);
  ctx.out(`Configuration "${ctx.configPath}" is valid.`);
}
