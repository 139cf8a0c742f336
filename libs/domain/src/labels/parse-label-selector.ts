import { validateLabelKey, validateLabelValue } from './label-syntax';

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/**
 * One requirement of a label selector, shaped like Kubernetes' LabelSelectorRequirement.
 * "k=v" is In [v], "k!=v" is NotIn [v] (which, as in Kubernetes, also matches objects without k).
 */
export interface LabelRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** non-empty for In/NotIn, empty for Exists/DoesNotExist */
  values: string[];
}

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: '=' | '!=' | '!' | '(' | ')' | ','; text: string; pos: number }
  | { kind: 'end'; text: ''; pos: number };

function tokenize(input: string, fail: (pos: number, why: string) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: c, text: c, pos: i });
      i++;
    } else if (c === '!') {
      if (input[i + 1] === '=') {
        tokens.push({ kind: '!=', text: '!=', pos: i });
        i += 2;
      } else {
        tokens.push({ kind: '!', text: '!', pos: i });
        i++;
      }
    } else if (c === '=') {
      const len = input[i + 1] === '=' ? 2 : 1;
      tokens.push({ kind: '=', text: input.slice(i, i + len), pos: i });
      i += len;
    } else {
      const start = i;
      while (i < input.length && !/[\s,()=!]/.test(input[i])) i++;
      if (i === start) throw fail(i, `unexpected character "${c}"`);
      tokens.push({ kind: 'ident', text: input.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: 'end', text: '', pos: input.length });
  return tokens;
}

/**
 * Parses a Kubernetes label selector string, e.g.
 * "env=prod,tier!=db,gpu,!spot,zone in (a,b),arch notin (arm)". An empty selector gives []
 * (matches everything). Keys and values are checked against label syntax.
 * @throws Error naming the selector, the position and what was expected.
 */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const fail = (pos: number, why: string) =>
    new Error(`invalid label selector ${JSON.stringify(input)}: ${why} at position ${pos}`);
  const tokens = tokenize(input, fail);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const describe = (t: Token) => (t.kind === 'end' ? 'end of input' : `"${t.text}"`);
  const expectIdent = (what: string): Token => {
    const t = next();
    if (t.kind !== 'ident') throw fail(t.pos, `expected ${what}, found ${describe(t)}`);
    return t;
  };
  const checkKey = (t: Token) => {
    const problem = validateLabelKey(t.text);
    if (problem) throw fail(t.pos, problem);
    return t.text;
  };
  const checkValue = (t: Token) => {
    const problem = validateLabelValue(t.text);
    if (problem) throw fail(t.pos, problem);
    return t.text;
  };

  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    if (peek().kind === '!') {
      next();
      requirements.push({ key: checkKey(expectIdent('a label key after "!"')), operator: 'DoesNotExist', values: [] });
    } else {
      const key = checkKey(expectIdent('a label key'));
      const op = peek();
      if (op.kind === ',' || op.kind === 'end') {
        requirements.push({ key, operator: 'Exists', values: [] });
      } else if (op.kind === '=' || op.kind === '!=') {
        next();
        const valueToken = peek();
        // "k=" selects the empty value, as in Kubernetes.
        const value = valueToken.kind === 'ident' ? checkValue(next()) : '';
        if (valueToken.kind !== 'ident' && valueToken.kind !== ',' && valueToken.kind !== 'end') {
          throw fail(valueToken.pos, `expected a value after "${op.text}", found ${describe(valueToken)}`);
        }
        requirements.push({ key, operator: op.kind === '=' ? 'In' : 'NotIn', values: [value] });
      } else if (op.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
        next();
        const open = next();
        if (open.kind !== '(') throw fail(open.pos, `expected "(" after "${op.text}", found ${describe(open)}`);
        if (peek().kind === ')') throw fail(peek().pos, `"${op.text}" needs at least one value`);
        const values: string[] = [];
        for (;;) {
          const value = checkValue(expectIdent(`a value in "${op.text} (...)"`));
          if (!values.includes(value)) values.push(value);
          const sep = next();
          if (sep.kind === ')') break;
          if (sep.kind !== ',') throw fail(sep.pos, `expected "," or ")", found ${describe(sep)}`);
        }
        requirements.push({ key, operator: op.text === 'in' ? 'In' : 'NotIn', values });
      } else {
        throw fail(op.pos, `expected "=", "!=", "in", "notin", "," or end after key "${key}", found ${describe(op)}`);
      }
    }
    const sep = next();
    if (sep.kind === 'end') return requirements;
    if (sep.kind !== ',') throw fail(sep.pos, `expected "," between requirements, found ${describe(sep)}`);
  }
}

/** Formats requirements back into selector syntax ("k=v", "k!=v", "k in (a,b)", "k", "!k"). */
export function formatLabelSelector(requirements: readonly LabelRequirement[]): string {
  return requirements
    .map(({ key, operator, values }) => {
      switch (operator) {
        case 'Exists':
          return key;
        case 'DoesNotExist':
          return `!${key}`;
        case 'In':
          return values.length === 1 ? `${key}=${values[0]}` : `${key} in (${values.join(',')})`;
        case 'NotIn':
          return values.length === 1 ? `${key}!=${values[0]}` : `${key} notin (${values.join(',')})`;
      }
    })
    .join(',');
}
