import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from '../../../api/src/records/master-key';
import { ContentAuthenticationError, openContent, sealContent, versionContext } from '../../../api/src/records/record-crypto';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'health-records-key-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const RECORD = `0x${'12'.repeat(32)}`;

describe('master key', () => {
  it('takes MASTER_KEY as hex (with or without 0x) or base64, and refuses anything else', () => {
    const bytes = randomBytes(32);
    const ids = [bytes.toString('hex'), `0x${bytes.toString('hex')}`, bytes.toString('base64')].map((text) => parseMasterKey(text).id);
    expect(new Set(ids).size).toBe(1);
    for (const bad of ['', 'abc', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'z'.repeat(64)]) {
      expect(() => parseMasterKey(bad)).toThrow(/MASTER_KEY must be 32 bytes/);
    }
  });

  it('is generated once into the data folder with mode 0600 and reused', async () => {
    const first = await loadMasterKey({ dataDir: dir });
    const file = path.join(dir, MASTER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = await loadMasterKey({ dataDir: dir });
    expect(again.id).toBe(first.id);
    const concurrent = await Promise.all([1, 2, 3].map(() => loadMasterKey({ dataDir: path.join(dir, 'fresh') })));
    expect(new Set(concurrent.map((key) => key.id)).size).toBe(1);
  });

  it('prefers MASTER_KEY over the file', async () => {
    const fromFile = await loadMasterKey({ dataDir: dir });
    const fromEnv = await loadMasterKey({ dataDir: dir, masterKey: randomBytes(32).toString('hex') });
    expect(fromEnv.id).not.toBe(fromFile.id);
  });

  it('refuses a key file that others can read', async () => {
    await writeFile(path.join(dir, MASTER_KEY_FILE), `${randomBytes(32).toString('hex')}\n`);
    await chmod(path.join(dir, MASTER_KEY_FILE), 0o644);
    await expect(loadMasterKey({ dataDir: dir })).rejects.toThrow(/chmod 600/);
  });
});

describe('sealed content', () => {
  const key = parseMasterKey(randomBytes(32).toString('hex'));
  const plaintext = Buffer.from('salt-and-canonical-json');

  it('round-trips, with a fresh data key and IV each time', () => {
    const context = versionContext(RECORD, 1);
    const a = sealContent(key, plaintext, context);
    const b = sealContent(key, plaintext, context);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.ciphertext.equals(b.wrappedKey.ciphertext)).toBe(false);
    expect(openContent(key, a, context)).toEqual(plaintext);
    expect(a.ciphertext.includes(plaintext)).toBe(false);
  });

  it('is bound to its record version: moved elsewhere, it fails authentication', () => {
    const sealed = sealContent(key, plaintext, versionContext(RECORD, 1));
    expect(() => openContent(key, sealed, versionContext(RECORD, 2))).toThrow(ContentAuthenticationError);
    const tampered = { ...sealed, tag: Buffer.from(sealed.tag.map((byte, i) => (i === 0 ? byte ^ 1 : byte))) };
    expect(() => openContent(key, tampered, versionContext(RECORD, 1))).toThrow(ContentAuthenticationError);
  });

  it('says which key is needed when read with another master key (not tampering)', () => {
    const sealed = sealContent(key, plaintext, versionContext(RECORD, 1));
    const other = parseMasterKey(randomBytes(32).toString('hex'));
    expect(() => openContent(other, sealed, versionContext(RECORD, 1))).toThrow(/set MASTER_KEY/);
  });
});
