/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:p/app:pull"`
 * or `Basic realm="harbor"`. Parsed by hand because values are quoted
 * strings that may hold commas (`scope="repository:a:pull,push"`) and
 * escaped quotes, and one header may carry several challenges.
 */

/** One challenge: its scheme, lower-cased, and its parameters (names lower-cased). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Every challenge in `header`, in order; a malformed part ends the parse
 * (what came before it is kept), since a registry that cannot be understood
 * is reported by the caller as "no usable challenge".
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = header.trim();
  while (rest !== '') {
    rest = rest.replace(/^[\s,]+/, '');
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) break;
    rest = rest.slice(scheme.length);
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    // Parameters follow until the next `scheme ` (a token followed by a space, not by `=`).
    for (;;) {
      rest = rest.replace(/^[\s,]+/, '');
      const name = TOKEN.exec(rest)?.[0];
      if (name === undefined) return challenges;
      const afterName = rest.slice(name.length).replace(/^\s*/, '');
      if (!afterName.startsWith('=')) break; // the next challenge's scheme
      const parsed = readValue(afterName.slice(1).replace(/^\s*/, ''));
      if (parsed === undefined) return challenges;
      challenge.params[name.toLowerCase()] = parsed.value;
      rest = parsed.rest;
    }
  }
  return challenges;
}

/** A quoted string (with `\` escapes) or a bare token at the start of `text`. */
function readValue(text: string): { value: string; rest: string } | undefined {
  if (text.startsWith('"')) {
    let value = '';
    for (let index = 1; index < text.length; index++) {
      const char = text[index];
      if (char === '\\') {
        value += text[index + 1] ?? '';
        index++;
      } else if (char === '"') {
        return { value, rest: text.slice(index + 1) };
      } else {
        value += char;
      }
    }
    return undefined; // unterminated quote
  }
  const token = /^[^\s,]+/.exec(text)?.[0];
  return token === undefined ? undefined : { value: token, rest: text.slice(token.length) };
}

/** The challenge a client answers: Bearer if offered (it carries the scope), else Basic. */
export function chooseChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return (
    challenges.find((challenge) => challenge.scheme === 'bearer') ??
    challenges.find((challenge) => challenge.scheme === 'basic')
  );
}
