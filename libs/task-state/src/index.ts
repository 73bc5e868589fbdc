export { TaskStore, ACTIVE_STAGES, specOf, taskOwner, type StoredTask } from './task-store.js';
export { TaskLeases } from './task-lease.js';
export { FaultReporter, FailingSince, FAULT_REPEAT_MS, FAULT_STALE_MS } from './fault-reporter.js';
export {
  PartitionLeases,
  PartitionLeaseView,
  PARTITION_LEASE_MS,
  type PartitionLease,
  type HeldLease,
} from './partition-lease.js';
export { SinkMembers, newSinkId, liveSinks, SINK_POLL_MS, MEMBER_STALE_MS } from './sink-members.js';
export { PartitionOwner, type PartitionOwnerOptions, type RunningPartition } from './partition-owner.js';
export { rendezvousOwner, desiredPartitions, partitionKey } from './rendezvous.js';
