/**
 * The SIGUSR2 report, replacing upstream's thread stack dump: event-loop delay, memory,
 * active handles and requests, a summary of Node's diagnostic report, and whatever each
 * service tells about itself through an optional `diagnostics()` method.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Service } from '../util/index.js';

/** A service that can describe its insides (running tasks, queues, connections). */
export interface DiagnosableService extends Service {
  diagnostics(): unknown;
}

function isDiagnosable(s: Service): s is DiagnosableService {
  return typeof (s as Partial<DiagnosableService>).diagnostics === 'function';
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const RESOLUTION_MS = 10;

/** Nanoseconds of a sample to milliseconds of delay beyond the sampling interval. */
const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);

interface ReportLike {
  header?: {
    nodejsVersion?: string;
    processId?: number;
    arch?: string;
    platform?: string;
    osRelease?: string;
    host?: string;
  };
  javascriptHeap?: { totalMemory?: number; usedMemory?: number; availableMemory?: number };
  resourceUsage?: Record<string, unknown>;
  libuv?: Array<{ type: string; is_active: boolean; is_referenced?: boolean }>;
}

/** Measures the event loop from daemon start and builds reports on demand. */
export class DiagnosticsMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly startedAt = Date.now();

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
  }

  /**
   * A report. The event-loop figures are delays beyond the 10 ms sampling interval, since
   * the previous report.
   */
  report(services: readonly Service[]): Record<string, unknown> {
    const h = this.histogram;
    const eventLoopDelayMs = {
      min: ms(h.min),
      mean: ms(h.mean),
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
    };
    h.reset();
    const raw = process.report?.getReport() as unknown;
    const report = (typeof raw === 'string' ? JSON.parse(raw) : raw) as ReportLike;
    const handles = report.libuv ?? [];
    return {
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      eventLoopDelayMs,
      memory: process.memoryUsage(),
      activeResources: countBy(process.getActiveResourcesInfo(), (t) => t),
      nodeReport: {
        nodejsVersion: report.header?.nodejsVersion,
        pid: report.header?.processId,
        platform:
          `${report.header?.platform ?? ''} ${report.header?.arch ?? ''} ${report.header?.osRelease ?? ''}`.trim(),
        host: report.header?.host,
        heap: report.javascriptHeap
          ? {
              total: report.javascriptHeap.totalMemory,
              used: report.javascriptHeap.usedMemory,
              available: report.javascriptHeap.availableMemory,
            }
          : undefined,
        resourceUsage: report.resourceUsage,
        libuvHandles: countBy(handles, (x) => `${x.type}${x.is_active ? '' : ' (inactive)'}`),
      },
      services: services.map((s) => ({
        service: s.constructor.name,
        state: s.state,
        ...(isDiagnosable(s) ? { diagnostics: safely(() => s.diagnostics()) } : {}),
      })),
    };
  }

  /** Stops measuring. */
  stop(): void {
    this.histogram.disable();
  }
}

function safely(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
