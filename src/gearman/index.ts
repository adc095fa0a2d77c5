/**
 * Public surface of the Gearman area: the client (binary + admin protocol, several servers,
 * reconnect), Zuul demand from `status`, and node assignment jobs.
 */
export { GearmanClient } from './client.js';
export type { GearmanClientOptions, SubmitJobOptions, ServerStatus } from './client.js';
export type { GearmanConnection } from './connection.js';
export { GearmanJob } from './job.js';
export type { GearmanJobOutcome } from './job.js';
export { GearmanDemand, computeDemand, parseStatusReply, sameDemand } from './demand.js';
export type {
  DemandListener,
  DemandResult,
  GearmanDemandOptions,
  ParsedStatus,
  StatusEntry,
  StatusProblem,
} from './demand.js';
export {
  assignNode,
  revokeNode,
  assignmentArguments,
  assignFunction,
  revokeFunction,
} from './assign.js';
export type { AssignOptions, NodeAssignment, NodeAssignmentRequest } from './assign.js';
export type { GearmanJobFailure } from './errors.js';
export { PacketType, StreamDecoder, encodePacket, splitArgs } from './protocol.js';
export type { Packet, PacketMagic, StreamItem } from './protocol.js';
