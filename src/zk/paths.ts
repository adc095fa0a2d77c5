/**
 * Every znode path of the image tree, built in one place (docs/behaviour.md#the-image-tree). Paths are relative to the
 * configured chroot.
 *
 * Contract: these paths, the child name `lock` under `builds/` and `.../images/`, and bare
 * 10-digit record names are shared with Python Nodepool 0.4.0 builders and must not change.
 * Not in the contract: the helper names and the name check (ours).
 *
 * ```
 * /nodepool/images/<image>/request-build
 * /nodepool/images/<image>/builds/lock
 * /nodepool/images/<image>/builds/<bid>
 * /nodepool/images/<image>/builds/<bid>/lock
 * /nodepool/images/<image>/builds/<bid>/providers/<provider>/images/lock
 * /nodepool/images/<image>/builds/<bid>/providers/<provider>/images/<uid>
 * ```
 */

/** Root of the image tree. */
export const IMAGE_ROOT = '/nodepool/images';

/** Child name of the lock parents under `builds/` and `.../images/`; never a record. */
export const LOCK_CHILD = 'lock';

/** True for a usable znode name: non-empty, no `/`, not `.` or `..`, no NUL. */
export function isValidName(name: string): boolean {
  return (
    name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\u0000')
  );
}

function seg(kind: string, name: string): string {
  if (!isValidName(name)) throw new RangeError(`Invalid ${kind} name for a znode path: "${name}"`);
  return name;
}

/** `/nodepool/images/<image>` */
export function imagePath(image: string): string {
  return `${IMAGE_ROOT}/${seg('image', image)}`;
}

/** `/nodepool/images/<image>/request-build`: exists while a manual build is pending. */
export function imageBuildRequestPath(image: string): string {
  return `${imagePath(image)}/request-build`;
}

/** `/nodepool/images/<image>/builds` */
export function imageBuildsPath(image: string): string {
  return `${imagePath(image)}/builds`;
}

/** `/nodepool/images/<image>/builds/lock`: one build lock per image. */
export function imageBuildLockPath(image: string): string {
  return `${imageBuildsPath(image)}/${LOCK_CHILD}`;
}

/** `/nodepool/images/<image>/builds/<bid>`: the build record. */
export function imageBuildPath(image: string, buildId: string): string {
  return `${imageBuildsPath(image)}/${seg('build id', buildId)}`;
}

/** `/nodepool/images/<image>/builds/<bid>/lock`: the build-number lock (cleanup). */
export function imageBuildNumberLockPath(image: string, buildId: string): string {
  return `${imageBuildPath(image, buildId)}/${LOCK_CHILD}`;
}

/** `/nodepool/images/<image>/builds/<bid>/providers` */
export function imageProvidersPath(image: string, buildId: string): string {
  return `${imageBuildPath(image, buildId)}/providers`;
}

/** `/nodepool/images/<image>/builds/<bid>/providers/<provider>/images` */
export function imageUploadsPath(image: string, buildId: string, provider: string): string {
  return `${imageProvidersPath(image, buildId)}/${seg('provider', provider)}/images`;
}

/** `.../providers/<provider>/images/lock`: the upload lock. */
export function imageUploadLockPath(image: string, buildId: string, provider: string): string {
  return `${imageUploadsPath(image, buildId, provider)}/${LOCK_CHILD}`;
}

/** `.../providers/<provider>/images/<uid>`: the upload record. */
export function imageUploadPath(
  image: string,
  buildId: string,
  provider: string,
  uploadId: string,
): string {
  return `${imageUploadsPath(image, buildId, provider)}/${seg('upload id', uploadId)}`;
}

/** `<image>-<bid>`, the display id of a build (CLI, file names). */
export function buildDisplayId(image: string, buildId: string): string {
  return `${image}-${buildId}`;
}

/**
 * Splits a display id at its **last** `-` (upstream's `rsplit('-', 1)`), or null when there
 * is no `-` or either side is empty.
 */
export function parseBuildDisplayId(id: string): { image: string; buildId: string } | null {
  const i = id.lastIndexOf('-');
  if (i <= 0 || i === id.length - 1) return null;
  return { image: id.slice(0, i), buildId: id.slice(i + 1) };
}
