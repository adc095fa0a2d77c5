/**
 * Messages of the Jenkins "ZMQ Event Publisher" plugin (docs/behaviour.md#jenkins-events): one UTF-8
 * frame `<topic> <json>`. `parseJenkinsEvent` is pure and never throws: it returns a typed
 * event, a reason to ignore the message (no node name, as upstream), or a located error.
 */
import { NodepoolError } from '../errors.js';

/** Build phases the plugin publishes, by topic. */
export const JENKINS_TOPICS = {
  onStarted: 'started',
  onCompleted: 'completed',
  onFinalized: 'finalized',
} as const;

/** A topic word the plugin sends. */
export type JenkinsTopic = keyof typeof JENKINS_TOPICS;

/** One build event, with the fields nodepool reads. */
export interface JenkinsEvent {
  readonly topic: JenkinsTopic;
  readonly phase: (typeof JENKINS_TOPICS)[JenkinsTopic];
  /** `name`: the job name. */
  readonly jobName: string;
  /** `build.node_name`: the Jenkins node, which is the nodepool `nodename`. */
  readonly nodeName: string;
  /** `build.status` (`SUCCESS`, `FAILURE`, ...), when present. */
  readonly status?: string;
  /** `build.parameters.ZUUL_BRANCH`, or `unknown_branch` (upstream default). */
  readonly branch: string;
  /** `build.parameters`, or an empty object. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** `build.full_url`, when present. */
  readonly fullUrl?: string;
  /** `build.number`, when present. */
  readonly number?: number;
  /** Address of the publisher it came from (set by the listener). */
  readonly publisher?: string;
}

/** Where in the message a parse error is: a character offset, a JSON path, or both. */
export interface EventErrorLocation {
  /** 0-based character offset in the whole message, when known. */
  readonly offset?: number;
  /** JSON path such as `build.node_name`, when the problem is a field. */
  readonly path?: string;
}

/**
 * A message that cannot be understood: ERR_JENKINS_EVENT, with its {@link EventErrorLocation}
 * in `details`.
 */
export function jenkinsEventError(message: string, at: EventErrorLocation): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_JENKINS_EVENT', details: { ...at } });
}

/** Result of {@link parseJenkinsEvent}. */
export type JenkinsEventParse =
  | { readonly kind: 'event'; readonly event: JenkinsEvent }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'error'; readonly error: NodepoolError };

const DECODER = new TextDecoder('utf-8', { fatal: true });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(message: string, at: EventErrorLocation): JenkinsEventParse {
  return { kind: 'error', error: jenkinsEventError(message, at) };
}

/**
 * Parses one plugin message (a string, or the raw frame bytes).
 *
 * - Split at the first run of whitespace into topic and JSON (Python's `split(None, 1)`).
 * - Unknown topic → error. `build` missing or not an object → error.
 * - `build.node_name` missing or empty → ignored (upstream ignores such events).
 * - `name` must be a string; `status`, `full_url` are kept when they are strings.
 */
export function parseJenkinsEvent(message: string | Uint8Array): JenkinsEventParse {
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    try {
      text = DECODER.decode(message);
    } catch {
      return fail('Cannot read Jenkins event: message is not valid UTF-8', {});
    }
  }
  const m = /^\s*(\S+)\s+/.exec(text);
  if (m === null) {
    return fail(
      `Cannot read Jenkins event: expected "<topic> <json>": current value is ${preview(text)}`,
      { offset: 0 },
    );
  }
  const topic = m[1] ?? '';
  const jsonStart = m[0].length;
  if (!(topic in JENKINS_TOPICS)) {
    return fail(`Cannot handle Jenkins event: unknown topic ${JSON.stringify(topic)}`, {
      offset: text.indexOf(topic),
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text.slice(jsonStart));
  } catch (err) {
    // V8 names a position for some syntax errors only; otherwise point at the JSON's start.
    const position = /at position (\d+)/.exec((err as Error).message)?.[1];
    const offset = jsonStart + (position === undefined ? 0 : Number(position));
    return fail(`Cannot parse Jenkins ${topic} event JSON: ${(err as Error).message}`, { offset });
  }
  if (!isObject(body))
    return fail(`Cannot read Jenkins ${topic} event: the JSON is not an object`, {
      offset: jsonStart,
    });
  const build = body.build;
  if (!isObject(build))
    return fail(`Cannot read Jenkins ${topic} event: "build" must be an object`, { path: 'build' });
  const nodeName = build.node_name;
  if (nodeName === undefined || nodeName === null || nodeName === '') {
    return { kind: 'ignored', reason: `${topic} event has no build.node_name` };
  }
  if (typeof nodeName !== 'string') {
    return fail(
      `Cannot read Jenkins ${topic} event: "build.node_name" must be a string: current value is ${preview(nodeName)}`,
      {
        path: 'build.node_name',
      },
    );
  }
  if (typeof body.name !== 'string') {
    return fail(
      `Cannot read Jenkins ${topic} event: "name" must be a string: current value is ${preview(body.name)}`,
      { path: 'name' },
    );
  }
  const parameters = isObject(build.parameters) ? build.parameters : {};
  const zuulBranch = parameters.ZUUL_BRANCH;
  const event: JenkinsEvent = {
    topic: topic as JenkinsTopic,
    phase: JENKINS_TOPICS[topic as JenkinsTopic],
    jobName: body.name,
    nodeName,
    branch: typeof zuulBranch === 'string' ? zuulBranch : 'unknown_branch',
    parameters,
    ...(typeof build.status === 'string' ? { status: build.status } : {}),
    ...(typeof build.full_url === 'string' ? { fullUrl: build.full_url } : {}),
    ...(typeof build.number === 'number' ? { number: build.number } : {}),
  };
  return { kind: 'event', event };
}

/** A value for an error message: strings quoted, others as JSON, at most 80 characters. */
function preview(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
  const s = JSON.stringify(v) ?? typeof v;
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

/** Formats an event as the plugin does (for tests, fakes and the benchmark). */
export function formatJenkinsEvent(topic: string, body: unknown): string {
  return `${topic} ${JSON.stringify(body)}`;
}
