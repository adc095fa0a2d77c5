/**
 * Cross-reference checks between sections of nodepool.yaml: upstream's one check (a label's
 * provider must exist) and the port's additions (docs/behaviour.md#validating-a-configuration), which catch what would
 * crash upstream's loader or break launches and builds later.
 */
import { diskimageOf, isMetaDropped } from './compile.js';
import type { RawConfig } from './schema.js';
import { nodeAt } from './validate.js';
import type { Finding, FindingLevel } from './validate.js';
import type { RawNode } from './yaml11.js';

type Partial2<T> = {
  readonly [K in keyof T]?: T[K] extends readonly (infer U)[]
    ? readonly Partial2<U>[]
    : T[K] extends object
      ? Partial2<T[K]>
      : T[K];
};

/** A validated value that may lack keys that failed validation. */
export type PartialConfig = Partial2<RawConfig>;

/** Runs every cross-reference check; `root` gives positions. */
export function crossReferenceFindings(config: PartialConfig, root: RawNode): Finding[] {
  const findings: Finding[] = [];
  const add = (path: (string | number)[], message: string, level: FindingLevel = 'error'): void => {
    findings.push({ path, message, pos: nodeAt(root, path).pos, level });
  };
  const providers = new Map<string, ReadonlySet<string>>();
  for (const p of config.providers ?? []) {
    // A duplicate name is reported by validation; check references against the first one.
    if (p.name !== undefined && !providers.has(p.name))
      providers.set(p.name, new Set((p.images ?? []).map((i) => i.name ?? '')));
  }

  (config.labels ?? []).forEach((label, li) => {
    (label.providers ?? []).forEach((lp, pi) => {
      if (lp.name === undefined) return;
      const images = providers.get(lp.name);
      if (images === undefined) {
        add(
          ['labels', li, 'providers', pi, 'name'],
          `label "${label.name ?? ''}" requests non-existent provider "${lp.name}"`,
        );
      } else if (label.image !== undefined && !images.has(label.image)) {
        add(
          ['labels', li, 'image'],
          `image "${label.image}" is not among the images of provider "${lp.name}"`,
        );
      }
    });
  });

  // 0.3-era `targets[].images`: the same checks as labels, located in the target.
  (config.targets ?? []).forEach((t, ti) => {
    (t.images ?? []).forEach((ti2, ii) => {
      (ti2.providers ?? []).forEach((lp, pi) => {
        if (lp.name === undefined) return;
        const images = providers.get(lp.name);
        const at: (string | number)[] = ['targets', ti, 'images', ii];
        if (images === undefined) {
          add(
            [...at, 'providers', pi, 'name'],
            `target "${t.name ?? ''}" image "${ti2.name ?? ''}" requests non-existent provider "${lp.name}"`,
          );
        } else if (ti2.name !== undefined && !images.has(ti2.name)) {
          add(
            [...at, 'name'],
            `image "${ti2.name}" is not among the images of provider "${lp.name}"`,
          );
        }
      });
    });
  });

  // Upstream's loader looks up every provider image in diskimages when that section exists.
  if (config.diskimages !== undefined) {
    const names = new Set(config.diskimages.map((d) => d.name ?? ''));
    (config.providers ?? []).forEach((p, pi) => {
      (p.images ?? []).forEach((image, ii) => {
        if (image.name === undefined || image['base-image'] !== undefined) return;
        const target = diskimageOf(
          { ...image, name: image.name } as Parameters<typeof diskimageOf>[0],
          names,
        );
        if (names.has(target)) return;
        const key = image.diskimage !== undefined ? 'diskimage' : 'name';
        const wanted =
          image.diskimage !== undefined
            ? `"${image.diskimage}" or "${image.name}"`
            : `"${image.name}"`;
        add(
          ['providers', pi, 'images', ii, key],
          `provider "${p.name ?? ''}" image "${image.name}" has no diskimage named ${wanted}`,
        );
      });
    });
  }

  (config.providers ?? []).forEach((p, pi) => {
    (p.images ?? []).forEach((image, ii) => {
      if (image['ready-script'] !== undefined) {
        add(
          ['providers', pi, 'images', ii, 'ready-script'],
          `0.3-era form: 0.4.0 expects "ready-script" on the label; nodes booted from image "${image.name ?? ''}" run it unless their label names its own`,
          'warning',
        );
      }
      if (
        image.meta !== undefined &&
        isMetaDropped(image.meta as Readonly<Record<string, string>>)
      ) {
        add(
          ['providers', pi, 'images', ii, 'meta'],
          'ignored: more than 5 entries, or a key or value longer than 255 characters',
          'warning',
        );
      }
    });
  });
  return findings;
}
