/**
 * graph-node's BigDecimal: value = digits * 10^exp, normalised after every operation to at most 34
 * significant digits with trailing zeros removed (graph/src/data/store/scalar/bigdecimal.rs, which
 * builds on the `bigdecimal` 0.1 crate: rounding to 34 digits rounds a positive value half up on
 * the first dropped digit and truncates a negative one; division works to 100 significant digits
 * before normalising). Strings are plain decimal notation, never exponents ("1000", "0.001").
 */
export interface BigDecimalValue {
  digits: bigint;
  exp: number;
}

export const MAX_SIGNIFICANT_DIGITS = 34;
const DIVISION_DIGITS = 100;

const ZERO: BigDecimalValue = { digits: 0n, exp: 0 };

function digitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

export function normalize(value: BigDecimalValue): BigDecimalValue {
  let { digits, exp } = value;
  if (digits === 0n) return ZERO;
  const count = digitCount(digits);
  if (count > MAX_SIGNIFICANT_DIGITS) {
    const drop = count - MAX_SIGNIFICANT_DIGITS;
    const divisor = pow10(drop);
    let quotient = digits / divisor;
    const remainder = digits % divisor;
    // bigdecimal 0.1 `with_prec`: only a positive remainder whose first digit is >= 5 rounds up.
    if (remainder > 0n && remainder * 10n >= 5n * divisor) quotient += 1n;
    digits = quotient;
    exp += drop;
    if (digitCount(digits) > MAX_SIGNIFICANT_DIGITS) {
      digits /= 10n;
      exp += 1;
    }
  }
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1;
  }
  return { digits, exp };
}

export function parseBigDecimal(text: string): BigDecimalValue {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`"${text}" is not a decimal number`);
  }
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = BigInt(`${sign === '-' ? '-' : ''}${whole}${fraction}` || '0');
  return normalize({ digits, exp: Number(exponent) - fraction.length });
}

export function formatBigDecimal(input: BigDecimalValue): string {
  const { digits, exp } = normalize(input);
  if (digits === 0n) return '0';
  const negative = digits < 0n;
  const abs = (negative ? -digits : digits).toString();
  let text: string;
  if (exp >= 0) text = abs + '0'.repeat(exp);
  else {
    const scale = -exp;
    text = scale >= abs.length ? `0.${'0'.repeat(scale - abs.length)}${abs}` : `${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
  }
  return negative ? `-${text}` : text;
}

function align(a: BigDecimalValue, b: BigDecimalValue): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.digits * pow10(a.exp - exp), b.digits * pow10(b.exp - exp), exp];
}

export function add(a: BigDecimalValue, b: BigDecimalValue): BigDecimalValue {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x + y, exp });
}

export function subtract(a: BigDecimalValue, b: BigDecimalValue): BigDecimalValue {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x - y, exp });
}

export function multiply(a: BigDecimalValue, b: BigDecimalValue): BigDecimalValue {
  return normalize({ digits: a.digits * b.digits, exp: a.exp + b.exp });
}

export function divide(a: BigDecimalValue, b: BigDecimalValue): BigDecimalValue {
  if (b.digits === 0n) throw new Error('Cannot divide by zero-valued `BigDecimal`!');
  if (a.digits === 0n) return ZERO;
  const negative = a.digits < 0n !== b.digits < 0n;
  const num = a.digits < 0n ? -a.digits : a.digits;
  const den = b.digits < 0n ? -b.digits : b.digits;
  // Scale the numerator so the integer quotient has DIVISION_DIGITS significant digits.
  const shift = Math.max(0, DIVISION_DIGITS - (digitCount(num) - digitCount(den)) + 1);
  const scaled = num * pow10(shift);
  let quotient = scaled / den;
  const remainder = scaled % den;
  if (remainder !== 0n && (remainder * 10n) / den >= 5n) quotient += 1n;
  return normalize({ digits: negative ? -quotient : quotient, exp: a.exp - b.exp - shift });
}

export function equals(a: BigDecimalValue, b: BigDecimalValue): boolean {
  const x = normalize(a);
  const y = normalize(b);
  return x.digits === y.digits && x.exp === y.exp;
}

export function fromBigInt(value: bigint): BigDecimalValue {
  return normalize({ digits: value, exp: 0 });
}
