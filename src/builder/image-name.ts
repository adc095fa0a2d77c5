/**
 * Names of uploaded images: the provider's `template-hostname` (default
 * `template-{image.name}-{timestamp}`) formatted with Python `str.format` rules, as upstream
 * 0.4.0 does (docs/behaviour.md#image-names-and-upload). Supported: `{{`/`}}` escapes, `{timestamp}`,
 * `{image.name}`, `{image.id}` and `{provider.<attribute>}` with upstream's attribute names.
 */
import type { CompiledProvider } from '../config/index.js';
import { FormatSyntaxError, pyStr, strFormat } from '../compat/index.js';
import { NodepoolError } from '../errors.js';

/** Values a template may use. */
export interface ImageNameFields {
  /** The diskimage name. */
  readonly imageName: string;
  /** `<image>-<bid>`. */
  readonly imageId: string;
  readonly provider: CompiledProvider;
  /** Whole Unix seconds at upload start. */
  readonly timestamp: number;
}

/** Upstream's `Provider` attribute names, as far as they can be printed. */
function providerAttribute(p: CompiledProvider, attr: string): string | undefined {
  const attrs: Record<string, () => string | number | boolean | undefined> = {
    name: () => p.name,
    region_name: () => p.regionName,
    max_servers: () => p.maxServers,
    keypair: () => p.keypair,
    pool: () => p.pool,
    image_type: () => p.imageType,
    rate: () => p.rateMs / 1000,
    boot_timeout: () => p.bootTimeoutMs / 1000,
    launch_timeout: () => p.launchTimeoutMs / 1000,
    template_hostname: () => p.templateHostname,
    clean_floating_ips: () => p.cleanFloatingIps,
    ipv6_preferred: () => p.ipv6Preferred,
  };
  const get = attrs[attr];
  return get === undefined ? undefined : pyStr(get());
}

function field(name: string, f: ImageNameFields, template: string): string {
  if (name === 'timestamp') return String(f.timestamp);
  if (name === 'image.name') return f.imageName;
  if (name === 'image.id') return f.imageId;
  if (name.startsWith('provider.')) {
    const v = providerAttribute(f.provider, name.slice('provider.'.length));
    if (v !== undefined) return v;
  }
  throw new NodepoolError(
    `Cannot name the image of provider "${f.provider.name}": template-hostname "${template}" uses unknown field "{${name}}"`,
    { code: 'ERR_BUILDER_IMAGE_NAME', details: { template } },
  );
}

/**
 * Formats a `template-hostname`.
 * @throws NodepoolError `ERR_BUILDER_IMAGE_NAME` for an unknown field, a format spec or unbalanced braces
 */
export function formatImageName(template: string, fields: ImageNameFields): string {
  const fail = (problem: string): NodepoolError =>
    new NodepoolError(
      `Cannot name the image of provider "${fields.provider.name}": template-hostname "${template}" ${problem}`,
      { code: 'ERR_BUILDER_IMAGE_NAME', details: { template } },
    );
  try {
    return strFormat(template, (f) => {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(f.text)) {
        throw fail(`has an unsupported field at offset ${f.offset}`);
      }
      return field(f.text, fields, template);
    });
  } catch (err) {
    if (!(err instanceof FormatSyntaxError)) throw err;
    // Compat of our own messages: an unmatched "{" was always reported as an unsupported field.
    const problem = err.problem.startsWith('single')
      ? `has a single "}" at offset ${err.offset}`
      : `has an unsupported field at offset ${err.offset}`;
    throw fail(problem);
  }
}
