// Package expr is DynamoDB's expression language: a lexer and a
// recursive-descent parser for update, condition (and filter), key
// condition and projection expressions, producing an AST that is validated
// with DynamoDB's rules and messages and evaluated against items.
package expr

import (
	"fmt"
	"strings"
)

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
// "Invalid <Kind>Expression: " prefix.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

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
				return nil, syntaxAt(s, toks, token{tIdent, s[start : start+1], start})
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
			return nil, syntaxAt(s, toks, token{tIdent, s[start : start+1], start})
		}
		toks = append(toks, token{k, s[start : start+1], start})
		i++
	}
	return append(toks, token{tEOF, "<EOF>", len(s)}), nil
}

// syntaxAt is DynamoDB's syntax error: the offending token and the text
// around it.
func syntaxAt(s string, toks []token, t token) error {
	var near string
	if t.kind == tEOF {
		if len(toks) > 0 {
			near = toks[len(toks)-1].text
		} else {
			near = ""
		}
	} else {
		lo := t.pos
		if len(toks) > 0 {
			for j := len(toks) - 1; j >= 0; j-- {
				if toks[j].pos < t.pos {
					lo = toks[j].pos
					break
				}
			}
		}
		hi := t.pos + len(t.text)
		rest := s[hi:]
		rest = strings.TrimLeft(rest, " \t\r\n")
		end := 0
		for end < len(rest) && rest[end] != ' ' {
			end++
		}
		near = strings.TrimSpace(s[lo:hi] + " " + rest[:end])
	}
	return &Error{Msg: fmt.Sprintf("Syntax error; token: %q, near: %q", t.text, near)}
}
