/**
 * Rewrites a WASM binary so that every mutable global it defines is also exported (as
 * `__local_node_global_<index>`). The module is otherwise unchanged. This lets the runtime restore
 * an instance to its freshly instantiated state (memory and globals) instead of instantiating the
 * module again for every trigger, which costs V8 hundreds of microseconds.
 */
const EXPORT_PREFIX = '__local_node_global_';

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('unexpected end of the WASM binary');
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** Skips a signed LEB128 of any width. */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }

  skip(n: number): void {
    this.pos += n;
  }

  name(): string {
    const length = this.u32();
    const text = Buffer.from(this.bytes.subarray(this.pos, this.pos + length)).toString('utf8');
    this.pos += length;
    return text;
  }

  /** Skips a constant expression (up to and including `end`). */
  skipConstExpr(): void {
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x0b:
          return;
        case 0x41:
        case 0x42:
          this.skipLeb();
          break;
        case 0x43:
          this.skip(4);
          break;
        case 0x44:
          this.skip(8);
          break;
        case 0x23:
        case 0xd2:
          this.u32();
          break;
        case 0xd0:
          this.byte();
          break;
        case 0xfd:
          this.u32();
          this.skip(16);
          break;
        default:
          // Extended constant expressions (i32.add, ...) have no immediates.
          break;
      }
    }
  }
}

function u32Leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export interface ExportedGlobals {
  binary: Uint8Array;
  /** Export names of the mutable globals, in index order. */
  names: string[];
}

export function exportMutableGlobals(binary: Uint8Array): ExportedGlobals {
  const reader = new Reader(binary, 8);
  const sections: { id: number; start: number; contentStart: number; end: number }[] = [];
  while (reader.pos < binary.length) {
    const start = reader.pos;
    const id = reader.byte();
    const size = reader.u32();
    const contentStart = reader.pos;
    sections.push({ id, start, contentStart, end: contentStart + size });
    reader.pos = contentStart + size;
  }
  let importedGlobals = 0;
  const importSection = sections.find((s) => s.id === 2);
  if (importSection) {
    const r = new Reader(binary, importSection.contentStart);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0x00) r.u32();
      else if (kind === 0x01) {
        r.byte();
        const flags = r.u32();
        r.u32();
        if (flags & 1) r.u32();
      } else if (kind === 0x02) {
        const flags = r.u32();
        r.u32();
        if (flags & 1) r.u32();
      } else if (kind === 0x03) {
        r.byte();
        r.byte();
        importedGlobals++;
      } else r.u32();
    }
  }
  const mutable: number[] = [];
  const globalSection = sections.find((s) => s.id === 6);
  if (globalSection) {
    const r = new Reader(binary, globalSection.contentStart);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.byte(); // value type
      if (r.byte() === 1) mutable.push(importedGlobals + i);
      r.skipConstExpr();
    }
  }
  if (mutable.length === 0) return { binary, names: [] };
  const names = mutable.map((index) => `${EXPORT_PREFIX}${index}`);
  const extra: number[] = [];
  for (let i = 0; i < mutable.length; i++) {
    const name = Buffer.from(names[i], 'utf8');
    extra.push(...u32Leb(name.length), ...name, 0x03, ...u32Leb(mutable[i]));
  }
  const exportSection = sections.find((s) => s.id === 7);
  let body: number[];
  if (exportSection) {
    const r = new Reader(binary, exportSection.contentStart);
    const count = r.u32();
    body = [...u32Leb(count + mutable.length), ...binary.subarray(r.pos, exportSection.end), ...extra];
  } else {
    body = [...u32Leb(mutable.length), ...extra];
  }
  const newSection = [7, ...u32Leb(body.length), ...body];
  const parts: Uint8Array[] = [binary.subarray(0, 8)];
  let inserted = false;
  for (const section of sections) {
    if (section.id === 7) {
      parts.push(Uint8Array.from(newSection));
      inserted = true;
      continue;
    }
    // Without an export section, it goes right before the start (8), element (9) or code (10) sections.
    if (!inserted && section.id !== 0 && section.id > 7) {
      parts.push(Uint8Array.from(newSection));
      inserted = true;
    }
    parts.push(binary.subarray(section.start, section.end));
  }
  if (!inserted) parts.push(Uint8Array.from(newSection));
  return { binary: Buffer.concat(parts), names };
}
