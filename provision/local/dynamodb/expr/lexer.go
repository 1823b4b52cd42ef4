// Package expr is DynamoDB's expression language: a lexer and a
// recursive-descent parser for update, condition (and filter), key
// condition and projection expressions, producing an AST that is validated
// with DynamoDB's rules and messages and evaluated against items.
package expr

import "fmt"

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tName  // #name
	tValue // :value
	tNumber
	tLParen
	tRParen
	tLBracket
	tRBracket
	tDot
	tComma
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tPlus
	tMinus
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// Error is an invalid expression; Msg is DynamoDB's text after the
// "Invalid <Kind>Expression: " prefix. Size is set for an expression over
// DynamoDB's size limit: how many bytes it has, which DynamoDB adds to the
// message for some kinds of expression only.
type Error struct {
	Msg  string
	Size int
}

func (e *Error) Error() string { return e.Msg }

// isIdentStart: a bare name begins with a letter ("_ttl" is DynamoDB's
// syntax error; #names and :values may hold any name).
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c == '_' || c >= '0' && c <= '9' }

// lex splits s into tokens; an unknown character is a syntax error.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isIdentStart(c):
			for i < len(s) && isIdentChar(s[i]) {
				i++
			}
			toks = append(toks, token{tIdent, s[start:i], start})
			continue
		case c >= '0' && c <= '9':
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			toks = append(toks, token{tNumber, s[start:i], start})
			continue
		case c == '#' || c == ':':
			i++
			for i < len(s) && isIdentChar(s[i]) {
				i++
			}
			if i == start+1 {
				return nil, badChar(s, toks, start)
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			toks = append(toks, token{k, s[start:i], start})
			continue
		}
		two := ""
		if i+1 < len(s) {
			two = s[i : i+2]
		}
		switch two {
		case "<>":
			toks = append(toks, token{tNe, two, start})
			i += 2
			continue
		case "<=":
			toks = append(toks, token{tLe, two, start})
			i += 2
			continue
		case ">=":
			toks = append(toks, token{tGe, two, start})
			i += 2
			continue
		}
		k, ok := map[byte]tokKind{'(': tLParen, ')': tRParen, '[': tLBracket, ']': tRBracket, '.': tDot,
			',': tComma, '=': tEq, '<': tLt, '>': tGt, '+': tPlus, '-': tMinus}[c]
		if !ok {
			return nil, badChar(s, toks, start)
		}
		toks = append(toks, token{k, s[start : start+1], start})
		i++
	}
	return append(toks, token{tEOF, "<EOF>", len(s)}), nil
}

// syntaxAt is DynamoDB's syntax error: the offending token t, and near
// it the source text as written from the token before t to the end of the
// token after it (after is tEOF when there is none).
func syntaxAt(s string, before []token, t, after token) error {
	var near string
	if t.kind == tEOF {
		if len(before) > 0 {
			near = before[len(before)-1].text
		}
	} else {
		lo, hi := t.pos, t.pos+len(t.text)
		if len(before) > 0 {
			lo = before[len(before)-1].pos
		}
		if after.kind != tEOF {
			hi = after.pos + len(after.text)
		}
		near = s[lo:hi]
	}
	return &Error{Msg: fmt.Sprintf("Syntax error; token: %q, near: %q", t.text, near)}
}

// badChar is the syntax error of a character no token starts with; the
// token after it is a name's or a placeholder's run of letters, digits and
// underscores, or else one character (DynamoDB answers "!!!" with near
// "!!").
func badChar(s string, before []token, at int) error {
	rest := at + 1
	for rest < len(s) && (s[rest] == ' ' || s[rest] == '\t' || s[rest] == '\r' || s[rest] == '\n') {
		rest++
	}
	word := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	end := rest
	if end < len(s) && (s[end] == '#' || s[end] == ':') {
		end++
	}
	for end < len(s) && word(s[end]) {
		end++
	}
	if end == rest && rest < len(s) {
		end++ // one character
	}
	after := token{kind: tEOF}
	if end > rest {
		after = token{tIdent, s[rest:end], rest}
	}
	return syntaxAt(s, before, token{tIdent, s[at : at+1], at}, after)
}
