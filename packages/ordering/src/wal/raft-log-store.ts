/**
 * The durable Raft log of one orderer: a write-ahead log of segment files
 * and snapshot files in one directory (see wal-files.ts, record.ts,
 * save-codec.ts), read through the in-memory `RaftLogView`.
 *
 * Ordering and durability (etcd raft's Ready rule): `save` resolves once
 * its hard state and entries are durable, and only then may the caller send
 * that Ready's messages. One save is one WAL record and one fdatasync. A
 * save with a snapshot first writes the snapshot file atomically (write a
 * temporary file, fdatasync it, rename it, fsync the directory), then the
 * WAL record; rolling to a new segment fsyncs the directory too.
 *
 * Recovery at open: the newest snapshot file, then every segment's records
 * in order. A bad record (cut, zeros, garbage, failed checksum) with no good
 * record after it in the last segment is a torn save: it and what follows
 * are truncated, everything before is kept. A bad record anywhere else is
 * WAL_CORRUPT (the damaged last record of the last segment cannot be told
 * from a torn save, and is taken for one).
 *
 * Compaction: a saved snapshot releases the entries at or below its index,
 * older snapshot files, and the oldest segments that hold nothing above it.
 * The first record of every segment carries the hard state and the snapshot
 * marker, so a segment can go without taking them along.
 */
import { type Storage } from '../core/raft/storage.js';
import { type Entry, type HardState, type Snapshot } from '../core/raft/types.js';
import { walAssert } from './assert.js';
import {
  WAL_CONF_NODES_MAX, WAL_RECORD_BYTES_MAX, WAL_RECORD_HEADER_BYTES, WAL_SAVE_ENTRIES_MAX, WAL_SEGMENT_BYTES_MAX, WAL_SEGMENTS_MAX, WAL_SNAPSHOT_BYTES_MAX,
} from './constants.js';
import { RaftLogError } from './errors.js';
import { FsWalDisk } from './fs-wal-disk.js';
import { EMPTY_SNAPSHOT, type RaftInitialState, type RaftLogReader, type RaftLogView } from './raft-log-view.js';
import { RecordType, readRecord, recordHeader, segmentSeed, snapshotSeed } from './record.js';
import { decodeSave, decodeSnapshot, encodeSave, encodeSnapshot, type SaveRecord } from './save-codec.js';
import { applySave, planSave, type RaftLogSave } from './save-plan.js';
import { type WalDisk } from './wal-disk.js';
import { TMP_SUFFIX, segmentName, segmentSeqOf, snapshotIndexOf, snapshotName } from './wal-files.js';
import { WalReplay } from './wal-replay.js';

export interface RaftLogStoreOptions {
  /** Roll segments at this size (default WAL_SEGMENT_BYTES_MAX; tests use less). */
  readonly segmentBytesMax?: number;
}

/** What open found and repaired. */
export interface RaftLogRecovery {
  readonly segments: number;
  readonly records: number;
  /** The torn tail cut off the last segment, if any. */
  readonly torn?: { readonly segment: string; readonly offset: number; readonly bytes: number; readonly reason: string };
}

interface Segment {
  readonly seq: number;
  readonly name: string;
  size: number;
  records: number;
  /** The highest entry index any of its records holds (0 when none). */
  maxIndex: number;
}

/** The Raft core's Storage (src/core/raft/storage.ts), durable. Its `term` throws outside the log, as the core allows. */
export class RaftLogStore implements RaftLogReader, Storage {
  readonly recovery: RaftLogRecovery;
  readonly #disk: WalDisk;
  readonly #view: RaftLogView;
  readonly #segments: Segment[];
  /** Snapshot file indexes on disk, ascending. */
  readonly #snapshots: number[];
  readonly #segmentBytesMax: number;
  /** The save being written, if any (one at a time). */
  #busy: Promise<void> | undefined;
  #closed = false;
  #failed: unknown;

  private constructor(disk: WalDisk, view: RaftLogView, segments: Segment[], snapshots: number[], recovery: RaftLogRecovery, options: RaftLogStoreOptions) {
    this.#disk = disk;
    this.#view = view;
    this.#segments = segments;
    this.#snapshots = snapshots;
    this.recovery = recovery;
    this.#segmentBytesMax = options.segmentBytesMax ?? WAL_SEGMENT_BYTES_MAX;
    walAssert(this.#segmentBytesMax >= 1 && this.#segmentBytesMax <= WAL_SEGMENT_BYTES_MAX, 'a segment bound in 1..WAL_SEGMENT_BYTES_MAX');
  }

  /**
   * Opens (creating it when missing) the log in directory `dir` and recovers it.
   * @throws RaftLogError WAL_CORRUPT, WAL_SEGMENTS_INVALID, SNAPSHOT_CORRUPT, SNAPSHOT_MISSING, WAL_IO_FAILED
   */
  static async open(dir: string, options: RaftLogStoreOptions = {}): Promise<RaftLogStore> {
    return RaftLogStore.openDisk(await FsWalDisk.open(dir), options);
  }

  /**
   * Opens the log on `disk` (a MemoryWalDisk in simulations) and recovers it.
   * @throws RaftLogError as `open`
   */
  static async openDisk(disk: WalDisk, options: RaftLogStoreOptions = {}): Promise<RaftLogStore> {
    const names = await disk.list();
    for (const n of names) {
      // A snapshot write a crash cut short.
      if (n.endsWith(TMP_SUFFIX) && snapshotIndexOf(n.slice(0, -TMP_SUFFIX.length)) !== undefined) await disk.remove(n);
    }
    const snapshots = names.map(snapshotIndexOf).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
    const newest = snapshots.at(-1);
    const snapshot = newest === undefined ? EMPTY_SNAPSHOT : await readSnapshotFile(disk, newest);
    const seqs = names.map(segmentSeqOf).filter((s): s is number => s !== undefined).sort((a, b) => a - b);
    if (seqs.length > WAL_SEGMENTS_MAX) throw new RaftLogError('WAL_SEGMENTS_INVALID', `${seqs.length} segments, at most ${WAL_SEGMENTS_MAX}`, { segments: seqs.length });
    for (let k = 1; k < seqs.length; k++) {
      if (seqs[k] !== seqs[k - 1]! + 1) throw new RaftLogError('WAL_SEGMENTS_INVALID', `segment ${seqs[k - 1]} is followed by ${seqs[k]}`, { before: seqs[k - 1], after: seqs[k] });
    }
    const replay = new WalReplay();
    const segments: Segment[] = [];
    let records = 0;
    let torn: RaftLogRecovery['torn'];
    for (const [k, seq] of seqs.entries()) {
      const name = segmentName(seq);
      const bytes = await disk.read(name);
      const seg: Segment = { seq, name, size: 0, records: 0, maxIndex: 0 };
      while (seg.size < bytes.length) {
        const place = { segment: name, offset: seg.size };
        const r = readRecord(bytes, seg.size, segmentSeed(seq, seg.size));
        if (typeof r === 'string') {
          if (k < seqs.length - 1) throw new RaftLogError('WAL_CORRUPT', `${name} at ${seg.size}: bad record (${r}) in a segment before the last`, { ...place, reason: r });
          const later = goodRecordAfter(bytes, seg.size + 1, seq);
          if (later !== undefined) throw new RaftLogError('WAL_CORRUPT', `${name} at ${seg.size}: bad record (${r}) with a good record after it at ${later}`, { ...place, reason: r, goodAt: later });
          torn = { segment: name, offset: seg.size, bytes: bytes.length - seg.size, reason: r };
          await disk.truncate(name, seg.size);
          break;
        }
        const save = r.type === RecordType.SAVE ? decodeSave(r.payload) : undefined;
        if (save === undefined) throw new RaftLogError('WAL_CORRUPT', `${name} at ${seg.size}: a record that is not a save`, { ...place, type: r.type });
        replay.apply(save, place);
        seg.maxIndex = Math.max(seg.maxIndex, save.entries.at(-1)?.index ?? 0);
        seg.records++;
        records++;
        seg.size = r.next;
      }
      segments.push(seg);
    }
    if (segments.length === 0) {
      await disk.create(segmentName(0));
      await disk.syncDir();
      segments.push({ seq: 0, name: segmentName(0), size: 0, records: 0, maxIndex: 0 });
    }
    const { view, unrecorded } = replay.finish(snapshot);
    const store = new RaftLogStore(disk, view, segments, snapshots, { segments: seqs.length, records, ...(torn && { torn }) }, options);
    if (unrecorded !== undefined) await store.#append({ hardState: view.hardState, marker: unrecorded, confState: view.confState, entries: [] });
    return store;
  }

  /**
   * Makes `save` durable, then visible to reads: the snapshot (written
   * first), the entries (replacing any conflicting suffix), the hard state.
   * One at a time (asserted). A save with nothing in it writes nothing.
   * @throws RaftLogError WAL_RECORD_TOO_LARGE (nothing written, the store carries on);
   *   WAL_IO_FAILED (the store then refuses saves: reopen it); WAL_FAILED, WAL_CLOSED
   */
  async save(save: RaftLogSave): Promise<void> {
    this.#writable();
    const plan = planSave(this.#view, save);
    if (plan.empty) return;
    const record: SaveRecord = {
      ...(plan.hardState && { hardState: plan.hardState }), ...(plan.marker && { marker: plan.marker }), ...(plan.confState && { confState: plan.confState }), entries: plan.entries,
    };
    checkRecordSize(this.#withState(record));
    if (plan.snapshot !== undefined) checkSnapshotSize(plan.snapshot);
    const write = (async () => {
      if (plan.snapshot !== undefined) await this.#writeSnapshotFile(plan.snapshot);
      await this.#append(record);
    })();
    this.#busy = write;
    try {
      await write;
    } catch (err) {
      this.#failed = err;
      throw err;
    } finally {
      this.#busy = undefined;
    }
    applySave(this.#view, plan);
    if (plan.marker !== undefined) await this.#compact(plan.marker.index);
  }

  /** Closes the files; a save in progress is let finish. Reads keep working on what is in memory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#busy?.catch(() => undefined);
    await this.#disk.close();
  }

  initialState(): RaftInitialState {
    return this.#view.initialState();
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    return this.#view.entries(lo, hi, maxBytes);
  }

  term(index: number): number {
    return this.#view.term(index);
  }

  firstIndex(): number {
    return this.#view.firstIndex();
  }

  lastIndex(): number {
    return this.#view.lastIndex();
  }

  snapshot(): Snapshot {
    return this.#view.snapshot();
  }

  /** The hard state last saved. */
  hardState(): HardState {
    return this.#view.hardState;
  }

  /** Names of the segment files held now, oldest first (for tests and tools). */
  segmentNames(): string[] {
    return this.#segments.map((s) => s.name);
  }

  // The record as the first of a segment writes it: with the hard state, the snapshot marker and the membership, so older segments can go.
  #withState(record: SaveRecord): SaveRecord {
    const snap = this.#view.snapshot().metadata;
    return {
      hardState: record.hardState ?? this.#view.hardState,
      marker: record.marker ?? { index: snap.index, term: snap.term, discardsLog: false },
      // A new snapshot brings its own membership unless the save names one.
      confState: record.confState ?? (record.marker ? undefined : this.#view.confState),
      entries: record.entries,
    };
  }

  async #append(record: SaveRecord): Promise<void> {
    let seg = this.#segments.at(-1)!;
    let parts = encodeSave(seg.records === 0 ? this.#withState(record) : record);
    let bytes = WAL_RECORD_HEADER_BYTES + parts.reduce((n, p) => n + p.length, 0);
    if (seg.records > 0 && seg.size + bytes > this.#segmentBytesMax) {
      seg = { seq: seg.seq + 1, name: segmentName(seg.seq + 1), size: 0, records: 0, maxIndex: 0 };
      await this.#disk.create(seg.name);
      await this.#disk.syncDir();
      this.#segments.push(seg);
      parts = encodeSave(this.#withState(record));
      bytes = WAL_RECORD_HEADER_BYTES + parts.reduce((n, p) => n + p.length, 0);
    }
    await this.#disk.append(seg.name, [recordHeader(RecordType.SAVE, parts, segmentSeed(seg.seq, seg.size)), ...parts]);
    await this.#disk.sync(seg.name);
    seg.size += bytes;
    seg.records++;
    seg.maxIndex = Math.max(seg.maxIndex, record.entries.at(-1)?.index ?? 0);
  }

  async #writeSnapshotFile(snapshot: Snapshot): Promise<void> {
    const { index } = snapshot.metadata;
    const name = snapshotName(index);
    const tmp = name + TMP_SUFFIX;
    const parts = encodeSnapshot(snapshot);
    await this.#disk.create(tmp);
    await this.#disk.append(tmp, [recordHeader(RecordType.SNAPSHOT, parts, snapshotSeed(index)), ...parts]);
    await this.#disk.sync(tmp);
    await this.#disk.rename(tmp, name);
    await this.#disk.syncDir();
    if (this.#snapshots.at(-1) !== index) this.#snapshots.push(index);
  }

  // Releases older snapshot files and the oldest segments holding nothing above `index`, oldest first, so what a crash leaves of the deletions is still a run of segments without a gap.
  async #compact(index: number): Promise<void> {
    try {
      while (this.#snapshots.length > 1 && this.#snapshots[0]! < index) {
        await this.#disk.remove(snapshotName(this.#snapshots[0]!));
        this.#snapshots.shift();
      }
      while (this.#segments.length > 1 && this.#segments[0]!.maxIndex <= index) {
        await this.#disk.remove(this.#segments[0]!.name);
        this.#segments.shift();
      }
    } catch (err) {
      this.#failed = err;
      throw err;
    }
  }

  #writable(): void {
    if (this.#closed) throw new RaftLogError('WAL_CLOSED', 'the Raft log is closed');
    if (this.#failed !== undefined) {
      const why = this.#failed instanceof Error ? this.#failed.message : String(this.#failed);
      throw new RaftLogError('WAL_FAILED', `an earlier write failed (${why}): reopen the Raft log`, {}, { cause: this.#failed });
    }
    walAssert(this.#busy === undefined, 'one save at a time');
  }
}

/** The first offset after `from` where a good record starts in segment `seq`'s bytes, else undefined. */
function goodRecordAfter(bytes: Uint8Array, from: number, seq: number): number | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = from; p + WAL_RECORD_HEADER_BYTES <= bytes.length; p++) {
    // Most offsets fail on the header alone; only a plausible one costs a checksum.
    const length = view.readUInt32BE(p);
    if (length === 0 || length > bytes.length - p - WAL_RECORD_HEADER_BYTES || view[p + 8] !== RecordType.SAVE) continue;
    if (typeof readRecord(bytes, p, segmentSeed(seq, p)) !== 'string') return p;
  }
  return undefined;
}

async function readSnapshotFile(disk: WalDisk, index: number): Promise<Snapshot> {
  const name = snapshotName(index);
  const bytes = await disk.read(name);
  const r = readRecord(bytes, 0, snapshotSeed(index));
  const snapshot = typeof r !== 'string' && r.type === RecordType.SNAPSHOT && r.next === bytes.length ? decodeSnapshot(r.payload) : undefined;
  if (snapshot === undefined || snapshot.metadata.index !== index) {
    throw new RaftLogError('SNAPSHOT_CORRUPT', `${name} does not hold a good snapshot at ${index}`, { file: name, reason: typeof r === 'string' ? r : 'undecodable' });
  }
  return snapshot;
}

function checkRecordSize(record: SaveRecord): void {
  // What replay would refuse must never be written.
  const nodes = (record.confState?.voters.length ?? 0) + (record.confState?.learners.length ?? 0);
  if (record.entries.length > WAL_SAVE_ENTRIES_MAX || nodes > WAL_CONF_NODES_MAX) {
    throw new RaftLogError('WAL_RECORD_TOO_LARGE', `a save of ${record.entries.length} entries and ${nodes} members, at most ${WAL_SAVE_ENTRIES_MAX} and ${WAL_CONF_NODES_MAX}: split it`, {
      entries: record.entries.length, members: nodes,
    });
  }
  const bytes = encodeSave(record).reduce((n, p) => n + p.length, 0);
  if (bytes > WAL_RECORD_BYTES_MAX) throw new RaftLogError('WAL_RECORD_TOO_LARGE', `a save of ${bytes} bytes, at most ${WAL_RECORD_BYTES_MAX}: split it`, { bytes, max: WAL_RECORD_BYTES_MAX });
}

function checkSnapshotSize(snapshot: Snapshot): void {
  const { voters, learners } = snapshot.metadata.conf;
  if (voters.length > WAL_CONF_NODES_MAX || learners.length > WAL_CONF_NODES_MAX) {
    throw new RaftLogError('WAL_RECORD_TOO_LARGE', `a snapshot membership of ${voters.length} voters and ${learners.length} learners, at most ${WAL_CONF_NODES_MAX} each`, { voters: voters.length, learners: learners.length });
  }
  const bytes = encodeSnapshot(snapshot).reduce((n, p) => n + p.length, 0);
  if (bytes > WAL_SNAPSHOT_BYTES_MAX) throw new RaftLogError('WAL_RECORD_TOO_LARGE', `a snapshot of ${bytes} bytes, at most ${WAL_SNAPSHOT_BYTES_MAX}`, { bytes, max: WAL_SNAPSHOT_BYTES_MAX });
}
