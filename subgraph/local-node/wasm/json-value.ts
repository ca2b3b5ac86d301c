/**
 * A JSON parser for graph-ts's `json.fromBytes`: like graph-node (serde_json with arbitrary
 * precision), numbers keep their literal text so `toBigInt`/`toI64`/`toF64` see every digit.
 * Kinds follow graph-ts's JSONValueKind.
 */
export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

export type JsonValue =
  | { kind: JsonKind.Null }
  | { kind: JsonKind.Bool; value: boolean }
  | { kind: JsonKind.Number; value: string }
  | { kind: JsonKind.String; value: string }
  | { kind: JsonKind.Array; value: JsonValue[] }
  | { kind: JsonKind.Object; value: [string, JsonValue][] };

export class JsonParseError extends Error {
  override name = 'JsonParseError';
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJson(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonParseError(`invalid JSON at offset ${pos}: ${what}`);
  };
  const skip = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const parseString = (): string => {
    const start = pos;
    // Delegate escapes to JSON.parse on the exact string literal.
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail('unterminated string');
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail('bad string escape');
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > 128) fail('nesting deeper than 128');
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: [string, JsonValue][] = [];
      skip();
      if (text[pos] === '}') {
        pos++;
        return { kind: JsonKind.Object, value: entries };
      }
      for (;;) {
        skip();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString();
        skip();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        entries.push([key, parseValue(depth + 1)]);
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return { kind: JsonKind.Object, value: entries };
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonValue[] = [];
      skip();
      if (text[pos] === ']') {
        pos++;
        return { kind: JsonKind.Array, value: items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return { kind: JsonKind.Array, value: items };
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return { kind: JsonKind.String, value: parseString() };
    if (text.startsWith('true', pos)) {
      pos += 4;
      return { kind: JsonKind.Bool, value: true };
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return { kind: JsonKind.Bool, value: false };
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return { kind: JsonKind.Null };
    }
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (match) {
      pos += match[0].length;
      return { kind: JsonKind.Number, value: match[0] };
    }
    return fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
  };
  const value = parseValue(0);
  skip();
  if (pos !== text.length) fail('trailing characters');
  return value;
}
