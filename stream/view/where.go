package view

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// Filter decides whether an event belongs to a view. The zero Filter keeps
// every event.
type Filter struct {
	root node
	text string
}

// Match reports whether ev passes the filter.
func (f *Filter) Match(ev Event) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.root.eval(ev)
}

// paths calls add with the path of every comparison.
func (f *Filter) paths(add func(Path)) {
	if f == nil || f.root == nil {
		return
	}
	var walk func(node)
	walk = func(n node) {
		switch x := n.(type) {
		case andNode:
			walk(x.l)
			walk(x.r)
		case orNode:
			walk(x.l)
			walk(x.r)
		case notNode:
			walk(x.x)
		case *cmpNode:
			add(x.path)
		}
	}
	walk(f.root)
}

// String returns the filter's source text.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.text
}

// WhereError is a filter that does not parse. Pos is the byte offset of the
// problem in the text.
type WhereError struct {
	Text string
	Pos  int
	Msg  string
}

func (e *WhereError) Error() string {
	return fmt.Sprintf("where: column %d: %s", column(e.Text, e.Pos), e.Msg)
}

// column is the 1-based column of the byte offset pos in text, counted in
// characters as an editor counts them, not bytes ('é' is one column).
func column(text string, pos int) int {
	if pos > len(text) {
		pos = len(text)
	}
	return utf8.RuneCountInString(text[:pos]) + 1
}

// ParseWhere reads a filter such as
//
//	status >= 500 and not (method = 'GET' or path = "/health")
//
// Comparisons (= != < <= > >=) put a field path on the left and a literal on
// the right: a number, a string in single or double quotes, true or false.
// and binds tighter than or; not tighter than both. Numbers compare
// numerically and exactly, strings byte by byte; booleans only with = and !=.
// A comparison with a missing field, or with a field of another kind, is
// false, whatever the operator. An empty text keeps every event.
func ParseWhere(text string) (*Filter, error) {
	p := &parser{src: text}
	p.next()
	if p.tok.kind == tEOF {
		return &Filter{text: text}, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tBad {
		return nil, p.errorf(p.tok.pos, "%s", p.tok.err)
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf(p.tok.pos, "unexpected %s: join comparisons with and/or", p.tok.describe())
	}
	return &Filter{root: n, text: text}, nil
}

type node interface{ eval(Event) bool }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

func (n andNode) eval(ev Event) bool { return n.l.eval(ev) && n.r.eval(ev) }
func (n orNode) eval(ev Event) bool  { return n.l.eval(ev) || n.r.eval(ev) }
func (n notNode) eval(ev Event) bool { return !n.x.eval(ev) }

type cmpNode struct {
	path Path
	op   string
	lit  Value
	num  *apd.Decimal // the literal, when it is a number
}

func (n *cmpNode) eval(ev Event) bool {
	v, ok := ev.Get(n.path)
	if !ok || v.kind != n.lit.kind {
		return false
	}
	var c int
	switch v.kind {
	case Number:
		d, ok := parseComparable(v.text)
		if !ok {
			return false
		}
		c = d.Cmp(n.num)
	default:
		c = strings.Compare(v.text, n.lit.text)
	}
	switch n.op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default: // ">="
		return c >= 0
	}
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tOp
	tLParen
	tRParen
	tBad
)

type token struct {
	kind tokKind
	pos  int
	text string // identifier, operator, number text, or the string's contents
	err  string // for tBad
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	case tLParen, tRParen, tOp:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type parser struct {
	src    string
	pos    int
	tok    token
	parens int // open parentheses around the token: bounded, as each is a recursion
}

// maxParens bounds nested parentheses: two million of them ran the parser
// out of stack, which ends the process.
const maxParens = 100

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &WhereError{Text: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '@' || c == '$' || c == '.' || c >= 0x80
}

func (p *parser) next() {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := s[p.pos]
	switch {
	case c == '(':
		p.pos++
		p.tok = token{kind: tLParen, pos: start, text: "("}
	case c == ')':
		p.pos++
		p.tok = token{kind: tRParen, pos: start, text: ")"}
	case c == '=' || c == '!' || c == '<' || c == '>':
		p.pos++
		if p.pos < len(s) && s[p.pos] == '=' { // <=, >=, != and == (read as =)
			p.pos++
		}
		op := s[start:p.pos]
		if op == "!" {
			p.tok = token{kind: tBad, pos: start, text: op, err: `"!" alone is not an operator: use != or not`}
			return
		}
		p.tok = token{kind: tOp, pos: start, text: op}
	case c == '\'' || c == '"':
		var b strings.Builder
		p.pos++
		for {
			if p.pos >= len(s) {
				p.tok = token{kind: tBad, pos: start, text: s[start:], err: fmt.Sprintf("string starting here has no closing %c", c)}
				return
			}
			ch := s[p.pos]
			if ch == '\\' && p.pos+1 < len(s) {
				// Only the documented escapes: \q for another, say, would
				// have dropped its backslash without a word.
				switch e := s[p.pos+1]; e {
				case '\'', '"', '\\':
					b.WriteByte(e)
				default:
					p.tok = token{kind: tBad, pos: p.pos, text: s[p.pos : p.pos+2], err: fmt.Sprintf(`\%c is not an escape: write \\ for a backslash (\' and \" are the others)`, e)}
					return
				}
				p.pos += 2
				continue
			}
			p.pos++
			if ch == c {
				break
			}
			b.WriteByte(ch)
		}
		p.tok = token{kind: tString, pos: start, text: b.String()}
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		p.pos++
		for p.pos < len(s) && (isIdentByte(s[p.pos]) || (s[p.pos] == '+' || s[p.pos] == '-') && (s[p.pos-1] == 'e' || s[p.pos-1] == 'E')) {
			p.pos++
		}
		p.tok = token{kind: tNumber, pos: start, text: s[start:p.pos]}
	case isIdentByte(c):
		for p.pos < len(s) && isIdentByte(s[p.pos]) {
			p.pos++
		}
		p.tok = token{kind: tIdent, pos: start, text: s[start:p.pos]}
	default:
		p.pos++
		p.tok = token{kind: tBad, pos: start, text: string(c), err: fmt.Sprintf("unexpected character %q", c)}
	}
}

func (p *parser) keyword(word string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, word)
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		p.next()
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) not() (node, error) {
	// A run of nots in a loop, not a recursion: ten million of them ran the
	// parser out of stack.
	nots := 0
	for p.keyword("not") {
		p.next()
		nots++
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	if nots%2 == 1 {
		x = notNode{x}
	} else if nots > 0 {
		x = notNode{notNode{x}} // as written: not not x is x, where x is known
	}
	return x, nil
}

func (p *parser) primary() (node, error) {
	switch t := p.tok; t.kind {
	case tBad:
		return nil, p.errorf(t.pos, "%s", t.err)
	case tLParen:
		if p.parens++; p.parens > maxParens {
			return nil, p.errorf(t.pos, "parentheses nested deeper than %d: write the filter with fewer", maxParens)
		}
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		p.parens--
		if p.tok.kind != tRParen {
			if p.tok.kind == tBad {
				return nil, p.errorf(p.tok.pos, "%s", p.tok.err)
			}
			return nil, p.errorf(p.tok.pos, "expected ) to close the ( at column %d, found %s", column(p.src, t.pos), p.tok.describe())
		}
		p.next()
		return n, nil
	case tIdent:
		if p.keyword("and") || p.keyword("or") || p.keyword("true") || p.keyword("false") {
			return nil, p.errorf(t.pos, "expected a field name, found %s", t.describe())
		}
		return p.comparison()
	case tEOF:
		return nil, p.errorf(t.pos, "expected a comparison such as status >= 500, found the end of the filter")
	default:
		return nil, p.errorf(t.pos, "expected a field name, found %s: put the field on the left, as in status >= 500", t.describe())
	}
}

func (p *parser) comparison() (node, error) {
	field := p.tok
	path, err := ParsePath(field.text)
	if err != nil {
		return nil, p.errorf(field.pos, "%v", err)
	}
	p.next()
	op := p.tok
	if op.kind == tBad {
		return nil, p.errorf(op.pos, "%s", op.err)
	}
	if op.kind != tOp {
		return nil, p.errorf(op.pos, "expected an operator (= != < <= > >=) after %q, found %s", field.text, op.describe())
	}
	if op.text == "==" {
		op.text = "="
	}
	p.next()
	lit := p.tok
	n := &cmpNode{path: path, op: op.text}
	switch {
	case lit.kind == tNumber:
		d, err := parseNumber(lit.text)
		if err != nil {
			return nil, p.errorf(lit.pos, "%v", err)
		}
		n.lit, n.num = Value{Number, lit.text}, d
	case lit.kind == tString:
		n.lit = StringValue(lit.text)
	case p.keyword("true"), p.keyword("false"):
		n.lit = BoolValue(strings.EqualFold(lit.text, "true"))
		if op.text != "=" && op.text != "!=" {
			return nil, p.errorf(op.pos, "booleans compare only with = and !=, not %s", op.text)
		}
	case lit.kind == tBad:
		return nil, p.errorf(lit.pos, "%s", lit.err)
	case lit.kind == tIdent:
		return nil, p.errorf(lit.pos, "expected a value after %q, found %s: quote strings, as in %s %s '%s'", op.text, lit.describe(), field.text, op.text, lit.text)
	default:
		return nil, p.errorf(lit.pos, "expected a value after %q, such as 500, 'GET' or true, found %s", op.text, lit.describe())
	}
	p.next()
	return n, nil
}
