/**
 * The store's append-only journal: one JSON line per committed block, revert or indexing-error
 * change. Replaying it rebuilds the store exactly, so a restarted node resumes where it stopped.
 *
 * The first line names the journal format and a hash of schema.graphql; a journal written for a
 * different schema is refused rather than misread. A line cut short by a crash is dropped (and the
 * file truncated to the last whole line): that block was never acknowledged as committed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError } from './types';

export const JOURNAL_FILE = 'entities.journal';
const FORMAT = 'local-subgraph-node/journal@1';

export type JournalRecord =
  | { t: 'block'; block: unknown; ops: unknown[]; ds: unknown[] }
  | { t: 'revert'; to: number }
  | { t: 'error'; error: unknown };

export function schemaHash(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

export class Journal {
  private constructor(
    private fd: number | null,
    readonly file: string,
  ) {}

  /**
   * Opens (creating if needed) the journal in `dir`, calling `replay` for every record already in it.
   */
  static open(dir: string, sdl: string, replay: (record: JournalRecord) => void): Journal {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, JOURNAL_FILE);
    const hash = schemaHash(sdl);
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      let offset = 0;
      let lineNo = 0;
      let goodEnd = 0;
      while (offset < text.length) {
        const nl = text.indexOf('\n', offset);
        if (nl < 0) break; // a torn last line: never committed
        const line = text.slice(offset, nl);
        offset = nl + 1;
        lineNo++;
        let record: { t: string } & Record<string, unknown>;
        try {
          record = JSON.parse(line);
        } catch {
          throw new StoreError(`${file}:${lineNo} is not valid JSON; the journal is damaged. Move the data folder away to re-index from the start.`);
        }
        if (lineNo === 1) {
          if (record.t !== 'header' || record.format !== FORMAT) {
            throw new StoreError(`${file} is not a ${FORMAT} journal; point dataDir at a folder of its own`);
          }
          if (record.schema !== hash) {
            throw new StoreError(
              `${file} was written for a different schema.graphql; delete the data folder (or use another dataDir) to re-index with the new schema`,
            );
          }
        } else {
          replay(record as unknown as JournalRecord);
        }
        goodEnd = offset;
      }
      if (goodEnd < text.length) {
        // Drop the partial line so that new records start on a line of their own.
        fs.truncateSync(file, Buffer.byteLength(text.slice(0, goodEnd)));
      }
      if (goodEnd === 0) fs.writeFileSync(file, `${JSON.stringify({ t: 'header', format: FORMAT, schema: hash })}\n`);
    } else {
      fs.writeFileSync(file, `${JSON.stringify({ t: 'header', format: FORMAT, schema: hash })}\n`);
    }
    return new Journal(fs.openSync(file, 'a'), file);
  }

  append(record: JournalRecord): void {
    if (this.fd === null) throw new StoreError('the entity store is closed');
    fs.writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
