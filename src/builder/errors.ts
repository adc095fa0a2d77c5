/** Errors of the builder area. */
import { NodepoolError } from '../errors.js';

/** A build could not be run (upstream `BuilderError`), e.g. dib cannot be executed. */
export class BuilderError extends NodepoolError {
  constructor(message: string, opts: { cause?: unknown; code?: string } = {}) {
    super(message, { code: opts.code ?? 'ERR_BUILDER', cause: opts.cause });
  }
}

/**
 * An upload cannot be attempted (upstream `BuilderInvalidCommandError`), e.g. no local file
 * of the provider's image type.
 */
export class BuilderInvalidCommandError extends BuilderError {
  constructor(message: string) {
    super(message, { code: 'ERR_BUILDER_INVALID_COMMAND' });
  }
}

/** The builder cannot run with this config (no ZooKeeper, no images-dir). Exit status 1. */
export class BuilderConfigError extends NodepoolError {
  constructor(message: string) {
    super(message, { code: 'ERR_BUILDER_CONFIG' });
  }
}

/** `template-hostname` cannot be formatted (unknown field, bad braces). */
export class ImageNameTemplateError extends BuilderError {
  readonly template: string;
  constructor(message: string, template: string) {
    super(message, { code: 'ERR_BUILDER_IMAGE_NAME' });
    this.template = template;
  }
}
