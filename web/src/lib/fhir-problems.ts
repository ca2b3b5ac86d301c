import type { FieldProblem } from './api';

/**
 * The FHIR validator's findings (as the API sends them in `extensions.fields`) as people read them: one
 * line per element, in words. The validator walks a string where an object belongs character by
 * character ("clinicalStatus.0: Invalid additional property "0"", … ".5"); those become one line naming
 * the element, what was typed and what FHIR expects there. Paths lose the resource type the validator
 * puts first (`Condition.clinicalStatus` → `clinicalStatus`) and a choice element's `[x]` becomes the
 * element actually written (`value[x]` → `valueQuantity`).
 *
 * `submitted` holds what the form sent, per control (`{ content: resource }`): it tells what was typed.
 */
export function groupFhirProblems(problems: readonly FieldProblem[], submitted: Record<string, unknown> = {}): FieldProblem[] {
  const lines = new Map<string, { field: string; messages: string[] }>();
  const add = (field: string, message: string) => {
    const line = lines.get(field) ?? { field, messages: [] };
    if (!line.messages.includes(message)) line.messages.push(message);
    lines.set(field, line);
  };
  // Elements already reported as "typed as text": nothing more is said of them or anything inside.
  const asText = new Set<string>();
  const extra = new Map<string, string[]>();
  for (const problem of problems) {
    const [control = '', ...rawPath] = problem.field.replace(/^input\./, '').split('.');
    if (!(control in submitted)) {
      add(problem.field, problem.message);
      continue;
    }
    const root = submitted[control];
    const elementPath = resolvePath(root, rawPath);
    const field = (segments: readonly string[]) => ['input', control, ...segments].join('.');
    // The first element on the path that was typed as a plain value although the validator looked inside it.
    const primitiveAt = elementPath.findIndex((_segment, index) => index < elementPath.length - 1 && isPrimitive(valueAt(root, elementPath.slice(0, index + 1))));
    const listExpected = /^Expected array/i.test(problem.message);
    if (primitiveAt >= 0 || (listExpected && isPrimitive(valueAt(root, elementPath)))) {
      const at = primitiveAt >= 0 ? elementPath.slice(0, primitiveAt + 1) : elementPath;
      const key = field(at);
      const list = listExpected && primitiveAt < 0;
      if (!asText.has(key) || list) {
        asText.add(key);
        lines.delete(key);
        add(key, typedAsText(valueAt(root, at), list || isListExpectedAt(problems, control, root, at)));
      }
      continue;
    }
    const additional = /^Invalid additional property "(.+)"$/.exec(problem.message);
    if (additional) {
      const parent = field(elementPath.slice(0, -1));
      extra.set(parent, [...(extra.get(parent) ?? []), additional[1]!]);
      continue;
    }
    add(field(elementPath), inWords(problem.message));
  }
  extra.forEach((names, parent) => {
    if (asText.has(parent)) return;
    const nested = parent.split('.').length > 2;
    const where = nested ? 'here' : 'in this resource';
    const value = nested ? valueAt(submitted[parent.split('.')[1]!], parent.split('.').slice(2)) : undefined;
    // Not one element of the object is known: likely an object written where a plain value belongs.
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).every((key) => names.includes(key))) {
      add(parent, `is an object, but none of its elements (${names.map((name) => `"${name}"`).join(', ')}) is one FHIR R4 defines here: if it holds a plain value, write just that value, without { … }`);
      return;
    }
    add(parent, names.length === 1 ? `"${names[0]}" is not an element FHIR R4 defines ${where}: check its spelling, or remove it` : `${names.map((name) => `"${name}"`).join(', ')} are not elements FHIR R4 defines ${where}: check their spelling, or remove them`);
  });
  return [...lines.values()]
    .filter((line) => ![...asText].some((text) => line.field !== text && line.field.startsWith(`${text}.`)))
    .map((line) => ({ field: line.field, message: line.messages.join('; ') }));
}

/** Whether any finding says a list belongs at `at`. */
function isListExpectedAt(problems: readonly FieldProblem[], control: string, root: unknown, at: readonly string[]): boolean {
  return problems.some((problem) => {
    const [name = '', ...rawPath] = problem.field.replace(/^input\./, '').split('.');
    return name === control && /^Expected array/i.test(problem.message) && resolvePath(root, rawPath).join('.') === at.join('.');
  });
}

function typedAsText(value: unknown, list: boolean): string {
  const typed = typeof value === 'string' ? `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : `the plain value ${JSON.stringify(value)}`;
  return list
    ? `is ${typed}, but FHIR expects a list here: write it as [ … ] holding the element's entries`
    : `is ${typed}, but FHIR expects an object with named elements here (such as { "text": … } or { "coding": [ … ] }): write it as { … }`;
}

/** The validator's other messages, in words. */
function inWords(message: string): string {
  if (/^Missing required property$/i.test(message)) return 'is required: add it';
  const type = /^Invalid JSON type: expected (\w+), but got (\w+)$/i.exec(message);
  if (type) return `must be ${article(type[1]!)}, not ${type[2] === 'string' ? 'text' : article(type[2]!)}`;
  if (/^Expected array of values for property$/i.test(message)) return 'must be a list: write it as [ … ]';
  if (/^Expected single value for property$/i.test(message)) return 'must be a single value, not a list';
  return message;
}

function article(type: string): string {
  return `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type}`;
}

/**
 * The path as written in the resource: without the validator's leading resource type, and with a
 * choice element (`value[x]`) named as written (`valueQuantity`).
 */
function resolvePath(root: unknown, raw: readonly string[]): string[] {
  const segments = raw.length > 0 && /^[A-Z]/.test(raw[0]!) ? raw.slice(1) : [...raw];
  const resolved: string[] = [];
  for (const segment of segments) {
    const choice = /^(.+)\[x\]$/.exec(segment);
    const here = valueAt(root, resolved);
    if (choice && here && typeof here === 'object') {
      const written = Object.keys(here).find((key) => key.startsWith(choice[1]!) && /^[A-Z]/.test(key.slice(choice[1]!.length)));
      resolved.push(written ?? choice[1]!);
    } else {
      resolved.push(segment);
    }
  }
  return resolved;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
