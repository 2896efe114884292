/**
 * Operating errors of the durable Raft log: one class, stable codes, the
 * facts in `details`.
 */
import { AllianceError } from '@alliance/protocol';

export type RaftLogErrorCode =
  // a record that fails its checksum or does not decode, with good records after it: not a torn write
  | 'WAL_CORRUPT'
  // the segment files are not numbered without a gap, or a record is out of order
  | 'WAL_SEGMENTS_INVALID'
  // the newest snapshot file fails its checksum or does not decode, or the log names a snapshot no file holds
  | 'SNAPSHOT_CORRUPT'
  | 'SNAPSHOT_MISSING'
  // a save too large for one record
  | 'WAL_RECORD_TOO_LARGE'
  | 'WAL_CLOSED'
  // an earlier write failed: the store takes no more saves until it is reopened (which repairs the tail)
  | 'WAL_FAILED'
  | 'WAL_IO_FAILED'
  // reads of the log (etcd's ErrCompacted and ErrUnavailable)
  | 'LOG_COMPACTED'
  | 'LOG_UNAVAILABLE';

/** A durable Raft log operation that could not be done; the facts are in `details`. */
export class RaftLogError extends AllianceError<RaftLogErrorCode> {}
