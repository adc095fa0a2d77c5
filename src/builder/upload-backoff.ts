/**
 * Bounded exponential backoff between failed uploads of one (image, provider) pair, shared by
 * the upload workers of a builder. Upstream 0.4.0 retried about every 10 s forever (see
 * docs/behaviour.md#upload-retries); we wait `baseMs`, then twice as long after each further failure, up to `maxMs`,
 * and forget the pair after a success.
 */

/** Options of {@link UploadBackoff}. */
export interface UploadBackoffOptions {
  /** Wait after the first failure. @default 10_000 */
  readonly baseMs?: number;
  /** Longest wait. @default 300_000 */
  readonly maxMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Failure bookkeeping per (image, provider). */
export class UploadBackoff {
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;

  constructor(options: UploadBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  private static key(image: string, provider: string): string {
    return `${image}\u0000${provider}`;
  }

  /** Milliseconds left before the pair may be tried again (0 = now). */
  remainingMs(image: string, provider: string): number {
    const f = this.failures.get(UploadBackoff.key(image, provider));
    return f === undefined ? 0 : Math.max(0, f.until - this.now());
  }

  /** Records a failed attempt; returns the wait before the next one. */
  recordFailure(image: string, provider: string): number {
    const key = UploadBackoff.key(image, provider);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const waitMs = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(count - 1, 30));
    this.failures.set(key, { count, until: this.now() + waitMs });
    return waitMs;
  }

  /** Forgets the pair's failures. */
  recordSuccess(image: string, provider: string): void {
    this.failures.delete(UploadBackoff.key(image, provider));
  }

  /** Consecutive failures of the pair. */
  failureCount(image: string, provider: string): number {
    return this.failures.get(UploadBackoff.key(image, provider))?.count ?? 0;
  }
}
