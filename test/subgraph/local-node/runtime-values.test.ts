/**
 * The value conversions of the local node's WASM host: graph-node's BigDecimal arithmetic and
 * formatting, graph-ts BigInt bytes, JSON with exact numbers, the ABI decoder (against ethers),
 * and the WASM rewrite that exports mutable globals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AbiCoder, ParamType, getBytes, hexlify } from 'ethers';
import { bigIntFromSignedLe, bigIntToSignedLe } from '../../../subgraph/local-node/wasm/asc-heap';
import * as decimal from '../../../subgraph/local-node/wasm/big-decimal';
import { JsonKind, parseJson } from '../../../subgraph/local-node/wasm/json-value';
import { decodeAbiParameters, hexToBytes } from '../../../subgraph/local-node/ethereum/abi-decoder';
import { tokenFromAbi, EthereumValueKind, type Token } from '../../../subgraph/local-node/wasm/ethereum-values';
import { exportMutableGlobals } from '../../../subgraph/local-node/wasm/export-globals';
import { buildFixtureSubgraph } from './support/fixture-subgraph';

const d = (text: string) => decimal.parseBigDecimal(text);
const f = decimal.formatBigDecimal;

describe('BigDecimal (graph-node semantics)', () => {
  it('normalises and prints plain decimal notation', () => {
    expect(f(d('1.500'))).toBe('1.5');
    expect(f(d('-0.00100'))).toBe('-0.001');
    expect(f(d('1e3'))).toBe('1000');
    expect(f(d('12.5E-3'))).toBe('0.0125');
    expect(f(d('-0'))).toBe('0');
    expect(f(d('000123.4500'))).toBe('123.45');
    expect(d('1000')).toEqual({ digits: 1n, exp: 3 });
    expect(() => d('1.2.3')).toThrow(/not a decimal number/);
  });

  it('keeps 34 significant digits, rounding positive values half up and truncating negative ones', () => {
    expect(f(d('1.23456789012345678901234567890123456'))).toBe('1.234567890123456789012345678901235');
    expect(f(d('-1.23456789012345678901234567890123456'))).toBe('-1.234567890123456789012345678901234');
    expect(f(d('9999999999999999999999999999999999.5'))).toBe('10000000000000000000000000000000000');
  });

  it('adds, subtracts, multiplies and divides', () => {
    expect(f(decimal.add(d('0.1'), d('0.2')))).toBe('0.3');
    expect(f(decimal.subtract(d('1'), d('1.0001')))).toBe('-0.0001');
    expect(f(decimal.multiply(d('1.5'), d('-2')))).toBe('-3');
    expect(f(decimal.divide(d('1'), d('3')))).toBe('0.3333333333333333333333333333333333');
    expect(f(decimal.divide(d('2'), d('3')))).toBe('0.6666666666666666666666666666666667');
    expect(f(decimal.divide(d('-2'), d('3')))).toBe('-0.6666666666666666666666666666666666');
    expect(f(decimal.divide(d('10'), d('4')))).toBe('2.5');
    expect(() => decimal.divide(d('1'), d('0'))).toThrow(/divide by zero/);
    expect(decimal.equals(d('1.0'), d('1'))).toBe(true);
  });
});

describe('graph-ts BigInt bytes', () => {
  it('round-trips through the shortest signed little-endian form', () => {
    const cases: [bigint, string][] = [
      [0n, '0x00'],
      [127n, '0x7f'],
      [128n, '0x8000'],
      [255n, '0xff00'],
      [-1n, '0xff'],
      [-128n, '0x80'],
      [-129n, '0x7fff'],
      [65_536n, '0x000001'],
    ];
    for (const [value, bytes] of cases) {
      expect(hexlify(bigIntToSignedLe(value))).toBe(bytes);
      expect(bigIntFromSignedLe(getBytes(bytes))).toBe(value);
    }
    for (const value of [2n ** 255n - 1n, -(2n ** 255n), 2n ** 256n - 1n, -(10n ** 40n), 123_456_789_012n]) {
      expect(bigIntFromSignedLe(bigIntToSignedLe(value))).toBe(value);
    }
    expect(bigIntFromSignedLe(new Uint8Array(0))).toBe(0n);
  });
});

describe('JSON for json.fromBytes', () => {
  it('keeps number literals exactly and object key order', () => {
    expect(parseJson('{"b":[1,-2.5e3,true,null,"x\\n"],"a":123456789012345678901234567890}')).toEqual({
      kind: JsonKind.Object,
      value: [
        [
          'b',
          {
            kind: JsonKind.Array,
            value: [
              { kind: JsonKind.Number, value: '1' },
              { kind: JsonKind.Number, value: '-2.5e3' },
              { kind: JsonKind.Bool, value: true },
              { kind: JsonKind.Null },
              { kind: JsonKind.String, value: 'x\n' },
            ],
          },
        ],
        ['a', { kind: JsonKind.Number, value: '123456789012345678901234567890' }],
      ],
    });
  });

  it('rejects malformed input with the offset', () => {
    expect(() => parseJson('{"a":}')).toThrow(/invalid JSON at offset 5/);
    expect(() => parseJson('[1,2')).toThrow(/invalid JSON/);
    expect(() => parseJson('plain')).toThrow(/invalid JSON at offset 0/);
    expect(() => parseJson('1 2')).toThrow(/trailing characters/);
  });
});

describe('ABI decoding of event data', () => {
  const toPlain = (token: Token): unknown =>
    Array.isArray(token.value) ? token.value.map(toPlain) : token.value instanceof Uint8Array ? hexlify(token.value) : token.value;

  it('decodes like ethers for static, dynamic, nested and signed types', () => {
    const types = [
      'address',
      'uint8',
      'int64',
      'int256',
      'bool',
      'bytes4',
      'bytes',
      'string',
      'uint8[]',
      'string[2]',
      'tuple(uint256 a, string b, bytes32[] c)',
      'tuple(address x, uint16 y)[]',
    ].map((t) => ParamType.from(t));
    const values = [
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      255,
      -5n,
      -(2n ** 200n),
      true,
      '0xdeadbeef',
      '0x0102030405',
      'héllo',
      [1, 2, 3],
      ['a', 'bb'],
      [2n ** 130n, 'nested', [`0x${'ab'.repeat(32)}`]],
      [
        ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 7],
        ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 65535],
      ],
    ];
    const encoded = AbiCoder.defaultAbiCoder().encode(types, values);
    const ours = decodeAbiParameters(types, hexToBytes(encoded));
    const decoded = AbiCoder.defaultAbiCoder().decode(types, encoded);
    const theirs = types.map((type, i) => tokenFromAbi(type, decoded[i]));
    expect(ours.map(toPlain)).toEqual(theirs.map(toPlain));
    expect(ours.map((t) => t.kind)).toEqual(theirs.map((t) => t.kind));
    expect(ours[9].kind).toBe(EthereumValueKind.FixedArray);
    expect(ours[2]).toEqual({ kind: EthereumValueKind.Int, value: -5n });
  });

  it('refuses data that is too short', () => {
    expect(() => decodeAbiParameters([ParamType.from('uint256')], hexToBytes('0x01'))).toThrow(/ABI data too short/);
    expect(() => decodeAbiParameters([ParamType.from('string')], hexToBytes(`0x${'00'.repeat(31)}40`))).toThrow(/beyond the data|too short/);
  });
});

describe('WASM rewrite for instance reuse', () => {
  jest.setTimeout(180_000);

  it('exports every mutable global of a graph-cli build and keeps the module valid', () => {
    const wasm = path.join(buildFixtureSubgraph('indexer-fixture').buildDir, 'Registry', 'Registry.wasm');
    const original = fs.readFileSync(wasm);
    const { binary, names } = exportMutableGlobals(original);
    expect(names.length).toBeGreaterThan(0);
    const module = new WebAssembly.Module(new Uint8Array(binary));
    const exported = WebAssembly.Module.exports(module);
    for (const name of names) expect(exported).toContainEqual({ name, kind: 'global' });
    // Everything the original exported is still there.
    for (const entry of WebAssembly.Module.exports(new WebAssembly.Module(original))) expect(exported).toContainEqual(entry);
    expect(WebAssembly.Module.imports(module)).toEqual(WebAssembly.Module.imports(new WebAssembly.Module(original)));
  });
});
