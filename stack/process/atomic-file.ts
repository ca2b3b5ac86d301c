import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes `file` whole or not at all: the text goes to a file beside it, renamed into place, so a kill in
 * the middle leaves the old file, never half of the new one.
 */
export async function writeFileAtomic(file: string, text: string, mode?: number): Promise<void> {
  const temporary = `${file}.${process.pid}.new`;
  await writeFile(temporary, text, mode === undefined ? undefined : { mode });
  await rename(temporary, file);
}
