/**
 * Fabric's signature-policy language, parsed by hand:
 *
 *   policy    := gate | principal
 *   gate      := AND '(' args ')' | OR '(' args ')' | OUTOF '(' count ',' args ')'
 *   args      := policy (',' policy)*
 *   principal := quoted 'MSPID.role', role one of member admin client peer orderer
 *   count     := integer, or an integer in quotes
 *
 * Gates are spelled as Fabric accepts them: And/and/AND, Or/or/OR,
 * OutOf/outof/OUTOF. The result is the SignaturePolicyEnvelope Fabric's
 * policydsl builds, principal for principal: AND is NOutOf(len), OR is
 * NOutOf(1); principals are numbered as Fabric numbers them, each gate's
 * nested gates first (recursively, left to right), then its own principals
 * left to right; repeated principals are not merged. Deviations, both
 * stricter or wider only where Fabric's result is useless: OutOf(n, ...) with
 * n above the number of its sub-policies is refused (Fabric accepts n =
 * count + 1, a policy nobody can satisfy), and a lone principal is accepted as
 * OR of one (Fabric refuses it with "unrecognized token").
 * Pure: no I/O.
 */
import { PolicyParseError } from '../errors.js';
import { POLICY_DEPTH_MAX, POLICY_PRINCIPALS_MAX, POLICY_SOURCE_CHARS_MAX } from '../constants.js';
import { PRINCIPAL_ROLES, type ParsedSignaturePolicy, type PrincipalRole, type RolePrincipal, type SignaturePolicyRule } from './policy-rule.js';

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: '(' | ')' | ','; pos: number }
  | { kind: 'end'; pos: number };

const GATES: Record<string, 'and' | 'or' | 'outof'> = {
  And: 'and', and: 'and', AND: 'and',
  Or: 'or', or: 'or', OR: 'or',
  OutOf: 'outof', outof: 'outof', OUTOF: 'outof',
};
const PRINCIPAL_PATTERN = /^([A-Za-z0-9.-]+)\.(admin|member|client|peer|orderer)$/;

function describe(t: Token): string {
  switch (t.kind) {
    case 'end': return 'end of input';
    case 'ident': return `'${t.text}'`;
    case 'string': return `string '${t.text}'`;
    case 'number': return `number ${t.text}`;
    default: return `'${t.kind}'`;
  }
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ kind: c, pos: i }); i++; continue; }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new PolicyParseError(src, i, `a closing ${c}`, 'end of input');
      out.push({ kind: 'string', text: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < src.length && src[j]! >= '0' && src[j]! <= '9') j++;
      out.push({ kind: 'number', text: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      // dots and dashes included so that an unquoted principal reads as one word
      let j = i;
      while (j < src.length && /[A-Za-z0-9_.-]/.test(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    throw new PolicyParseError(src, i, 'a gate, a quoted principal, a number or punctuation', `'${c}'`);
  }
  out.push({ kind: 'end', pos: src.length });
  return out;
}

/** An argument as parsed, before principals are numbered. */
type Arg = { kind: 'principal'; principal: RolePrincipal } | { kind: 'gate'; n: number; args: Arg[] };

class Parser {
  private i = 0;
  private principalCount = 0;

  constructor(private readonly src: string, private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw new PolicyParseError(this.src, t.pos, what, describe(t));
    return t;
  }

  parseTop(): Arg {
    const arg = this.parsePolicy(0);
    const t = this.peek();
    if (t.kind !== 'end') throw new PolicyParseError(this.src, t.pos, 'end of input', describe(t));
    return arg;
  }

  private parsePolicy(depth: number): Arg {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'principal', principal: this.principal(t.text, t.pos) };
    if (t.kind === 'ident') {
      const gate = GATES[t.text];
      if (!gate && PRINCIPAL_PATTERN.test(t.text)) throw new PolicyParseError(this.src, t.pos, `the principal in quotes: '${t.text}'`, `unquoted ${t.text}`);
      if (!gate) throw new PolicyParseError(this.src, t.pos, "a gate (AND, OR, OutOf) or a quoted principal such as 'Org1MSP.member'", describe(t));
      if (depth >= POLICY_DEPTH_MAX) throw new PolicyParseError(this.src, t.pos, `at most ${POLICY_DEPTH_MAX} nested gates`, 'a deeper gate');
      return this.parseGate(gate, depth + 1);
    }
    throw new PolicyParseError(this.src, t.pos, "a gate (AND, OR, OutOf) or a quoted principal such as 'Org1MSP.member'", describe(t));
  }

  private parseGate(gate: 'and' | 'or' | 'outof', depth: number): Arg {
    this.expect('(', `'(' after the gate`);
    let n: number | undefined;
    let countPos = 0;
    if (gate === 'outof') {
      const t = this.next();
      countPos = t.pos;
      const text = t.kind === 'number' ? t.text : t.kind === 'string' && /^[0-9]+$/.test(t.text) ? t.text : undefined;
      if (text === undefined) throw new PolicyParseError(this.src, t.pos, 'the number of sub-policies required by OutOf', describe(t));
      n = Number(text);
      this.expect(',', "',' after the OutOf count");
    }
    const args: Arg[] = [this.parsePolicy(depth)];
    for (;;) {
      const t = this.next();
      if (t.kind === ')') break;
      if (t.kind !== ',') throw new PolicyParseError(this.src, t.pos, "',' or ')'", describe(t));
      args.push(this.parsePolicy(depth));
    }
    if (gate === 'and') n = args.length;
    if (gate === 'or') n = 1;
    if (n! > args.length) {
      throw new PolicyParseError(this.src, countPos, `a count of at most ${args.length} (the number of sub-policies)`, `${n}`);
    }
    return { kind: 'gate', n: n!, args };
  }

  private principal(text: string, pos: number): RolePrincipal {
    const m = PRINCIPAL_PATTERN.exec(text);
    if (!m) {
      throw new PolicyParseError(this.src, pos, `a principal 'MSPID.role' with role one of ${PRINCIPAL_ROLES.join(', ')}`, `'${text}'`);
    }
    if (++this.principalCount > POLICY_PRINCIPALS_MAX) {
      throw new PolicyParseError(this.src, pos, `at most ${POLICY_PRINCIPALS_MAX} principals`, 'more');
    }
    return { mspId: m[1]!, role: m[2]! as PrincipalRole };
  }
}

/** Numbers principals as Fabric's parser does: nested gates first, then the gate's own principals. */
function number(arg: Arg, principals: RolePrincipal[]): SignaturePolicyRule {
  if (arg.kind === 'principal') {
    principals.push(arg.principal);
    return { kind: 'signedBy', index: principals.length - 1 };
  }
  const rules: (SignaturePolicyRule | undefined)[] = arg.args.map((a) => (a.kind === 'gate' ? number(a, principals) : undefined));
  arg.args.forEach((a, i) => {
    if (a.kind === 'principal') rules[i] = number(a, principals);
  });
  return { kind: 'nOutOf', n: arg.n, rules: rules as SignaturePolicyRule[] };
}

/**
 * Parses a signature policy such as `AND('Org1MSP.peer', OR('Org2MSP.member', 'Org3MSP.admin'))`.
 * A lone principal is accepted as OR of one (Fabric's parser refuses it).
 * @throws PolicyParseError with the position, what was expected and what was found
 */
export function parseSignaturePolicy(source: string): ParsedSignaturePolicy {
  if (source.length > POLICY_SOURCE_CHARS_MAX) {
    throw new PolicyParseError(source.slice(0, 80), 0, `a policy of at most ${POLICY_SOURCE_CHARS_MAX} characters`, `${source.length} characters`);
  }
  const top = new Parser(source, tokenize(source)).parseTop();
  const principals: RolePrincipal[] = [];
  const rule = number(top.kind === 'principal' ? { kind: 'gate', n: 1, args: [top] } : top, principals);
  return { rule, principals };
}

/** Renders a rule and its principals back into the policy language (canonical spelling). */
export function formatSignaturePolicy(policy: ParsedSignaturePolicy): string {
  const render = (r: SignaturePolicyRule): string => {
    if (r.kind === 'signedBy') {
      const p = policy.principals[r.index];
      return p ? `'${p.mspId}.${p.role}'` : `SignedBy(${r.index})`;
    }
    const inner = r.rules.map(render).join(', ');
    if (r.n === r.rules.length && r.rules.length > 1) return `AND(${inner})`;
    if (r.n === 1 && r.rules.length > 1) return `OR(${inner})`;
    return `OutOf(${r.n}, ${inner})`;
  };
  return render(policy.rule);
}
