/**
 * Minimal typings for the parts of `node-zookeeper-client` 1.x that `src/zk/client.ts` uses.
 * The package ships no types. Only `client.ts` imports this module.
 */
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export interface ZkStat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  export interface ZkException extends Error {
    code: number;
    name: string;
    getCode(): number;
    getName(): string;
  }

  export interface ZkEvent {
    type: number;
    name: string;
    path: string;
    getType(): number;
    getName(): string;
    getPath(): string;
  }

  export interface ZkState {
    name: string;
    code: number;
    getName(): string;
    getCode(): number;
  }

  export interface AclRecord {
    toRecord(): unknown;
  }

  export interface ConnectionManager {
    queue(
      request: unknown,
      callback: (error: ZkException | null, response?: { payload: { path: string } }) => void,
    ): void;
    registerDataWatcher(path: string, watcher: (event: ZkEvent) => void): void;
  }

  /** One result of a committed transaction: `err` is set on the results of a failed one. */
  export interface TransactionResult {
    type: number;
    err?: number;
  }

  export interface Transaction {
    create(path: string, data: Buffer, mode: number): Transaction;
    remove(path: string, version: number): Transaction;
    commit(callback: (error: ZkException | null, results?: TransactionResult[]) => void): void;
  }

  export interface Client extends EventEmitter {
    readonly connectionManager: ConnectionManager;
    transaction(): Transaction;
    connect(): void;
    close(): void;
    getState(): ZkState;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    setData(
      path: string,
      data: Buffer,
      version: number,
      callback: (error: ZkException | null, stat?: ZkStat) => void,
    ): void;
    getData(
      path: string,
      watcher: ((event: ZkEvent) => void) | undefined,
      callback: (error: ZkException | null, data?: Buffer, stat?: ZkStat) => void,
    ): void;
    exists(
      path: string,
      watcher: ((event: ZkEvent) => void) | undefined,
      callback: (error: ZkException | null, stat?: ZkStat | null) => void,
    ): void;
    getChildren(
      path: string,
      watcher: ((event: ZkEvent) => void) | undefined,
      callback: (error: ZkException | null, children?: string[], stat?: ZkStat) => void,
    ): void;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  export const ACL: { OPEN_ACL_UNSAFE: AclRecord[] };
  export const CreateMode: {
    PERSISTENT: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  export const State: {
    DISCONNECTED: ZkState;
    SYNC_CONNECTED: ZkState;
    AUTH_FAILED: ZkState;
    CONNECTED_READ_ONLY: ZkState;
    SASL_AUTHENTICATED: ZkState;
    EXPIRED: ZkState;
  };
  export const Exception: {
    OK: number;
    CONNECTION_LOSS: number;
    NO_NODE: number;
    BAD_VERSION: number;
    NODE_EXISTS: number;
    NOT_EMPTY: number;
    SESSION_EXPIRED: number;
    NO_CHILDREN_FOR_EPHEMERALS: number;
    create(code: number): ZkException;
  };

  const zookeeper: {
    createClient: typeof createClient;
    ACL: typeof ACL;
    CreateMode: typeof CreateMode;
    State: typeof State;
    Exception: typeof Exception;
  };
  export default zookeeper;
}

declare module 'node-zookeeper-client/lib/jute/index.js' {
  const jute: {
    OP_CODES: { CREATE: number };
    Request: new (header: unknown, payload: unknown) => unknown;
    protocol: {
      RequestHeader: new () => { type: number };
      CreateRequest: new () => { path: string; acl: unknown[]; flags: number; data?: Buffer };
    };
  };
  export default jute;
}
