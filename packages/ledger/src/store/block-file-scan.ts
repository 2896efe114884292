/**
 * The scan both block file stores share, so that what counts as a record,
 * and where a torn tail starts, is decided by one piece of code.
 */
import { BLOCK_FILE_RECORD_HEADER_BYTES } from '../constants.js';
import { decodeRecordHeader, headerFault, payloadIntact } from './block-file-record.js';
import { checkBoundary, type BlockFilePosition, type BlockFileScanItem, type BlockFileTornReason } from './block-file-store.js';

/** What a store lends the scan: its live end and reads of its files. */
export interface BlockFileSource {
  /** Where the next record goes, now: the last file is read only up to here. */
  end(): BlockFilePosition;
  /** Bytes in `file`, a file before the last. */
  fileBytes(file: number): Promise<number>;
  /** Exactly `length` bytes at `offset` of `file`, all of which the file holds. */
  readExactly(file: number, offset: number, length: number): Promise<Uint8Array>;
  /** Called once the scan has seen every byte up to `end()` as whole records. */
  reachedEnd(): void;
  /** Throws when the store has closed; called before each step. */
  live(): void;
}

/**
 * The records from the boundary `from` on, then at most one torn marker.
 * Each step advances by a whole record or a file, so the walk is bounded by
 * the bytes and files present.
 * @throws BlockFileError BLOCK_FILE_OUT_OF_RANGE when `from` lies past the end; whatever `source` throws
 */
export async function* scanBlockFiles(source: BlockFileSource, from: BlockFilePosition): AsyncGenerator<BlockFileScanItem> {
  source.live();
  await checkBoundary(from, source.end(), (f) => source.fileBytes(f));
  let { file, offset } = from;
  for (;;) {
    source.live();
    const end = source.end();
    // A truncate during the scan may have taken this file away: nothing more to see.
    if (file > end.file) return;
    const size = file === end.file ? end.offset : await source.fileBytes(file);
    if (offset >= size) {
      if (file === end.file) {
        if (offset === size) source.reachedEnd();
        return;
      }
      file++;
      offset = 0;
      continue;
    }
    const torn = (reason: BlockFileTornReason): BlockFileScanItem => ({ torn: { file, offset }, reason });
    if (size - offset < BLOCK_FILE_RECORD_HEADER_BYTES) {
      yield torn('short-header');
      return;
    }
    const header = decodeRecordHeader(await source.readExactly(file, offset, BLOCK_FILE_RECORD_HEADER_BYTES));
    const payloadOffset = offset + BLOCK_FILE_RECORD_HEADER_BYTES;
    const fault = headerFault(header, size - payloadOffset);
    if (fault !== undefined) {
      yield torn(fault);
      return;
    }
    const payload = await source.readExactly(file, payloadOffset, header.length);
    if (!payloadIntact(header, payload)) {
      yield torn('checksum');
      return;
    }
    const next = { file, offset: payloadOffset + header.length };
    yield { position: { file, offset }, span: { file, offset: payloadOffset, length: header.length }, next, payload };
    offset = next.offset;
  }
}
