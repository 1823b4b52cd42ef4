package partiql

import (
	"fmt"
	"strings"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // unquoted: a keyword or an attribute name
	tQIdent         // "quoted identifier"
	tString         // 'string literal'
	tNumber
	tPunct // * , . [ ] ( ) { } : ; ? + - = <> < <= > >= << >>
)

type token struct {
	kind      tokKind
	text      string // the identifier, string contents, number or punctuation
	line, col int
}

// describe names a token as error messages show it.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of statement"
	case tString:
		return "'" + t.text + "'"
	case tQIdent:
		return `"` + t.text + `"`
	}
	return t.text
}

// SyntaxError is a statement that does not parse. Its message is the detail
// DynamoDB appends to "Statement wasn't well formed, can't be processed: ".
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

// UnsupportedError is a statement that parses but uses PartiQL DynamoDB
// does not support; its message is DynamoDB's whole message.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return e.Msg }

func errAt(t token, format string, args ...any) *SyntaxError {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" at line %d, column %d", t.line, t.col)}
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// lex splits a statement into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	line, lineStart := 1, 0
	i := 0
	for i < len(s) {
		c := s[i]
		col := i - lineStart + 1
		switch {
		case c == '\n':
			line++
			i++
			lineStart = i
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-': // a comment to the end of the line
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*': // a block comment
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, &SyntaxError{} // DynamoDB gives no detail
			}
			body := s[i : i+2+end+2]
			if k := strings.LastIndexByte(body, '\n'); k >= 0 {
				line += strings.Count(body, "\n")
				lineStart = i + k + 1
			}
			i += len(body)
			continue
		}
		t := token{line: line, col: col}
		switch {
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j]) || s[j] == '$') {
				j++
			}
			t.kind, t.text = tIdent, s[i:j]
			i = j
		case isDigit(c) || c == '.' && i+1 < len(s) && isDigit(s[i+1]):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && isDigit(s[k]) {
					for k < len(s) && isDigit(s[k]) {
						k++
					}
					j = k
				}
			}
			t.kind, t.text = tNumber, s[i:j]
			i = j
		case c == '\'' || c == '"':
			text, n, ok := quoted(s[i:], c)
			if !ok {
				what := "string literal"
				if c == '"' {
					what = "quoted identifier"
				}
				return nil, errAt(t, "Unterminated %s", what)
			}
			t.kind, t.text = tString, text
			if c == '"' {
				t.kind = tQIdent
			}
			for _, r := range s[i : i+n] {
				if r == '\n' {
					line++
				}
			}
			if k := strings.LastIndexByte(s[i:i+n], '\n'); k >= 0 {
				lineStart = i + k + 1
			}
			i += n
		default:
			op := punct(s[i:])
			if op == "" {
				return nil, &SyntaxError{} // DynamoDB gives no detail
			}
			t.kind, t.text = tPunct, op
			if op == "!=" {
				t.text = "<>"
			}
			i += len(op)
		}
		toks = append(toks, t)
	}
	return append(toks, token{kind: tEOF, line: line, col: len(s) - lineStart + 1}), nil
}

// quoted reads a literal opened by q, in which a doubled q stands for
// itself, returning its contents and length.
func quoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

var puncts = []string{"<<", ">>", "<>", "<=", ">=", "!=", "*", ",", ".", "[", "]", "(", ")", "{", "}", ":", ";", "?", "+", "-", "=", "<", ">"}

func punct(s string) string {
	for _, p := range puncts {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}
