export { delay, schedule } from './delay.js';
export { onAbort } from './abort.js';
export { keepAlive } from './keep-alive.js';
export type { DelayOptions } from './delay.js';
export { Wakeup } from './wakeup.js';
export { TaskGroup } from './task-group.js';
export type { TaskErrorHandler } from './task-group.js';
export { BaseService, stopAll } from './service.js';
export type { Service, ServiceState } from './service.js';
