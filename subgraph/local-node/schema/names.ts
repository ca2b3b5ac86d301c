/**
 * Query field names as graph-node derives them from entity type names.
 *
 * graph-node (`camel_cased_names` in graph/src/data/graphql/ext.rs) uses the Rust `Inflector` crate
 * 0.11: `to_camel_case(name)` for the single-entity field and `to_camel_case(to_plural(name))` for the
 * collection field, appending `_collection` when both come out equal. The rules below reproduce that
 * crate's behaviour (written from its documented algorithm, not copied), so `TokenDayData` gives
 * `tokenDayData` / `tokenDayDatas` and `Sheep` gives `sheep` / `sheep_collection` as on graph-node.
 */

const UNCOUNTABLE = new Set(
  (
    'accommodation adulthood advertising advice aggression aid air aircraft alcohol anger applause ' +
    'arithmetic assistance athletics bacon baggage beef biology blood botany bread butter carbon ' +
    'cardboard cash chalk chaos chess crossroads countryside dancing deer dignity dirt dust economics ' +
    'education electricity engineering enjoyment envy equipment ethics evidence evolution fame fiction ' +
    'flour flu food fuel fun furniture gallows garbage garlic genetics gold golf gossip grammar ' +
    'gratitude grief guilt gymnastics happiness hardware harm hate hatred health heat help homework ' +
    'honesty honey hospitality housework humour hunger hydrogen ice importance inflation information ' +
    'innocence iron irony jam jewelry judo karate knowledge lack laughter lava leather leisure ' +
    'lightning linguine linguini linguistics literature litter livestock logic loneliness luck luggage ' +
    'macaroni machinery magic management mankind marble mathematics mayonnaise measles methane milk ' +
    'money mud music mumps nature news nitrogen nonsense nurture nutrition obedience obesity oxygen ' +
    'pasta patience physics poetry pollution poverty pride psychology publicity punctuation quartz ' +
    'racism relaxation reliability research respect revenge rice rubbish rum safety scenery seafood ' +
    'seaside series shame sheep shopping sleep smoke smoking snow soap software soil spaghetti species ' +
    'steam stuff stupidity sunshine symmetry tennis thirst thunder timber traffic transportation trust ' +
    'underwear unemployment unity validity veal vegetation vegetarianism vengeance violence vitality ' +
    'warmth wealth weather welfare wheat wildlife wisdom yoga zinc zoology'
  ).split(' '),
);

const SPECIAL: Record<string, string> = {
  ox: 'oxen',
  man: 'men',
  woman: 'women',
  die: 'dice',
  yes: 'yeses',
  foot: 'feet',
  eave: 'eaves',
  goose: 'geese',
  tooth: 'teeth',
  quiz: 'quizzes',
};

/** [pattern, suffix]: the first capture group is kept and the suffix appended. Tried last to first. */
const PLURAL_RULES: Array<[RegExp, string]> = [
  [/^(\w*)s$/, 's'],
  [/^(\w*([^aeiou]ese))$/, ''],
  [/^(\w*(ax|test))is$/, 'es'],
  [/^(\w*(alias|[^aou]us|tlas|gas|ris))$/, 'es'],
  [/^(\w*(e[mn]u))s?$/, 's'],
  [/^(\w*([^l]ias|[aeiou]las|[emjzr]as|[iu]am))$/, ''],
  [/^(\w*(alumn|syllab|octop|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat))(?:us|i)$/, 'i'],
  [/^(\w*(alumn|alg|vertebr))(?:a|ae)$/, 'ae'],
  [/^(\w*(seraph|cherub))(?:im)?$/, 'im'],
  [/^(\w*(her|at|gr))o$/, 'oes'],
  [
    /^(\w*(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor))(?:a|um)$/,
    'a',
  ],
  [/^(\w*(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat))(?:a|on)$/, 'a'],
  [/^(\w*)sis$/, 'ses'],
  [/^(\w*(kni|wi|li))fe$/, 'ves'],
  [/^(\w*(ar|l|ea|eo|oa|hoo))f$/, 'ves'],
  [/^(\w*([^aeiouy]|qu))y$/, 'ies'],
  [/^(\w*([^ch][ieo][ln]))ey$/, 'ies'],
  [/^(\w*(x|ch|ss|sh|zz)es)$/, ''],
  [/^(\w*(x|ch|ss|sh|zz))$/, 'es'],
  [/^(\w*(matr|cod|mur|sil|vert|ind|append))(?:ix|ex)$/, 'ices'],
  [/^(\w*(m|l)(?:ice|ouse))$/, 'ice'],
  [/^(\w*(pe)(?:rson|ople))$/, 'ople'],
  [/^(\w*(child))(?:ren)?$/, 'ren'],
  [/^(\w*eaux)$/, ''],
];

/** Inflector's `to_plural`: whole-word, case-sensitive rules (so `Data` in `DayData` is not special). */
export function pluralize(word: string): string {
  if (UNCOUNTABLE.has(word)) return word;
  const special = SPECIAL[word];
  if (special !== undefined) return special;
  for (let i = PLURAL_RULES.length - 1; i >= 0; i--) {
    const [rule, suffix] = PLURAL_RULES[i];
    const match = rule.exec(word);
    if (match && match[1] !== undefined) return match[1] + suffix;
  }
  return `${word}s`;
}

const isAlphanumeric = (c: string): boolean => /[\p{L}\p{N}]/u.test(c);
const isNumeric = (c: string): boolean => /\p{N}/u.test(c);
const isLower = (c: string): boolean => /\p{Ll}/u.test(c);
const isUpper = (c: string): boolean => /\p{Lu}/u.test(c);
const asciiLower = (c: string): string => (c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);
const asciiUpper = (c: string): string => (c >= 'a' && c <= 'z' ? c.toUpperCase() : c);

/** Inflector's `to_camel_case`: words start at separators, digits and lower-to-upper transitions. */
export function camelCase(input: string): string {
  const chars = Array.from(input);
  while (chars.length > 0 && !isAlphanumeric(chars[chars.length - 1])) chars.pop();
  let newWord = false;
  let lastChar = ' ';
  let foundRealChar = false;
  let out = '';
  for (const c of chars) {
    if (!isAlphanumeric(c) && foundRealChar) {
      newWord = true;
    } else if (!foundRealChar && !isAlphanumeric(c)) {
      continue;
    } else if (isNumeric(c)) {
      foundRealChar = true;
      newWord = true;
      out += c;
    } else if (newWord || (isLower(lastChar) && isUpper(c))) {
      foundRealChar = true;
      newWord = false;
      out += asciiUpper(c);
    } else {
      foundRealChar = true;
      lastChar = c;
      out += asciiLower(c);
    }
  }
  return out;
}

/** The single-entity and collection query field names for an entity or interface type. */
export function queryFieldNames(typeName: string): { single: string; collection: string } {
  const single = camelCase(typeName);
  let collection = camelCase(pluralize(typeName));
  if (collection === single) collection += '_collection';
  return { single, collection };
}
