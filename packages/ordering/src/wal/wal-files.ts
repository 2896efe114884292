/**
 * Names of the durable Raft log's files in its directory:
 *
 *   wal-<seq, 16 hex digits>.log     WAL segments, numbered without a gap
 *   snap-<index, 16 hex digits>.snap snapshot files (the newest counts)
 *   <name>.tmp                       a snapshot being written (removed at open)
 */
const SEGMENT = /^wal-([0-9a-f]{16})\.log$/;
const SNAPSHOT = /^snap-([0-9a-f]{16})\.snap$/;

export function segmentName(seq: number): string {
  return `wal-${seq.toString(16).padStart(16, '0')}.log`;
}

/** The sequence number of a segment file's name, else undefined. */
export function segmentSeqOf(name: string): number | undefined {
  const m = SEGMENT.exec(name);
  return m ? parseHex(m[1]!) : undefined;
}

export function snapshotName(index: number): string {
  return `snap-${index.toString(16).padStart(16, '0')}.snap`;
}

/** The index of a snapshot file's name, else undefined. */
export function snapshotIndexOf(name: string): number | undefined {
  const m = SNAPSHOT.exec(name);
  return m ? parseHex(m[1]!) : undefined;
}

export const TMP_SUFFIX = '.tmp';

function parseHex(text: string): number | undefined {
  const n = Number.parseInt(text, 16);
  return Number.isSafeInteger(n) ? n : undefined;
}
