package partiql

import (
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// keywords cannot be attribute names unless quoted.
var keywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true,
	"BETWEEN": true, "IN": true, "IS": true, "MISSING": true, "NULL": true, "TRUE": true,
	"FALSE": true, "INSERT": true, "INTO": true, "VALUE": true, "VALUES": true, "UPDATE": true,
	"SET": true, "REMOVE": true, "DELETE": true, "RETURNING": true, "AS": true, "AT": true,
	"ORDER": true, "BY": true, "LIMIT": true, "EXISTS": true,
}

// isTypes are the types X IS <type> can test.
var isTypes = map[string]bool{"MISSING": true, "NULL": true, "BOOLEAN": true, "BLOB": true, "STRING": true,
	"NUMERIC": true, "STRUCT": true, "TUPLE": true, "LIST": true}

// msgLeftover is DynamoDB's detail for tokens after a complete statement.
const msgLeftover = "Unexpected token after expression"

type parser struct {
	toks   []token
	i      int
	params int
}

// parseError carries a SyntaxError out of the recursive descent.
type parseError struct{ err error }

// Parse parses one statement.
func Parse(src string) (p *Parsed, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	ps := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			p, err = nil, pe.err
		}
	}()
	st := ps.statement()
	ps.accept(";")
	if t := ps.peek(); t.kind != tEOF {
		ps.fail(&SyntaxError{Msg: msgLeftover})
	}
	return &Parsed{Statement: st, Params: ps.params}, nil
}

func (ps *parser) peek() token { return ps.toks[ps.i] }

func (ps *parser) next() token {
	t := ps.toks[ps.i]
	if t.kind != tEOF {
		ps.i++
	}
	return t
}

func (ps *parser) fail(err error) { panic(parseError{err}) }

// isKeyword reports whether the next token is the keyword word.
func (ps *parser) isKeyword(word string) bool {
	t := ps.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, word)
}

func (ps *parser) acceptKeyword(word string) bool {
	if ps.isKeyword(word) {
		ps.i++
		return true
	}
	return false
}

func (ps *parser) keyword(word string) {
	if !ps.acceptKeyword(word) {
		t := ps.peek()
		ps.fail(errAt(t, "Expected %s but found %s", word, t.describe()))
	}
}

func (ps *parser) isPunct(p string) bool {
	t := ps.peek()
	return t.kind == tPunct && t.text == p
}

func (ps *parser) accept(p string) bool {
	if ps.isPunct(p) {
		ps.i++
		return true
	}
	return false
}

func (ps *parser) expect(p string) {
	if !ps.accept(p) {
		t := ps.peek()
		ps.fail(errAt(t, "Expected '%s' but found %s", p, t.describe()))
	}
}

func (ps *parser) statement() Statement {
	switch {
	case ps.acceptKeyword("SELECT"):
		return ps.selectStatement()
	case ps.acceptKeyword("INSERT"):
		return ps.insertStatement()
	case ps.acceptKeyword("UPDATE"):
		return ps.updateStatement()
	case ps.acceptKeyword("DELETE"):
		return ps.deleteStatement()
	case ps.isKeyword("EXISTS"):
		return ps.existsStatement()
	case ps.acceptKeyword("NOT"):
		if ps.isKeyword("EXISTS") {
			e := ps.existsStatement()
			e.Negated = true
			return e
		}
	}
	ps.fail(&SyntaxError{Msg: "Expected data manipulation"})
	return nil
}

// name reads an attribute or table name: a quoted identifier, or an
// unquoted one that is not a keyword.
func (ps *parser) name(what string) string {
	t := ps.peek()
	switch {
	case t.kind == tQIdent:
		if t.text == "" {
			ps.fail(errAt(t, "Empty quoted identifier"))
		}
	case t.kind == tIdent && !keywords[strings.ToUpper(t.text)]:
	default:
		ps.fail(errAt(t, "Expected %s but found %s", what, t.describe()))
	}
	ps.i++
	return t.text
}

// existsStatement reads EXISTS(SELECT ...).
func (ps *parser) existsStatement() *Exists {
	ps.keyword("EXISTS")
	ps.expect("(")
	ps.keyword("SELECT")
	e := &Exists{Select: ps.selectStatement()}
	ps.expect(")")
	return e
}

// projectionItem refuses what DynamoDB cannot project before reading a
// path: function calls such as COUNT(*), and literals.
func (ps *parser) projectionItem() expr.Path {
	t := ps.peek()
	next := ps.toks[min(ps.i+1, len(ps.toks)-1)]
	if t.kind == tString || t.kind == tNumber || t.kind == tIdent && next.kind == tPunct && next.text == "(" {
		ps.fail(&UnsupportedError{Msg: "Unexpected path component"})
	}
	return ps.path()
}

// selectSource reads FROM's table and optional index, refusing the other
// sources PartiQL has (joins, subqueries, list elements, aliases).
func (ps *parser) selectSource(s *Select) {
	if t := ps.peek(); t.kind == tQIdent && t.text == "" {
		ps.fail(&UnsupportedError{Msg: "Path component cannot be an empty string"})
	}
	if ps.isPunct("(") {
		ps.fail(&UnsupportedError{Msg: "Unexpected from source"})
	}
	s.Table = ps.name("a table name")
	if ps.accept(".") {
		if t := ps.peek(); t.kind == tQIdent && t.text == "" {
			ps.fail(&UnsupportedError{Msg: "Path component cannot be an empty string"})
		}
		s.Index = ps.name("an index name")
		if ps.isPunct(".") {
			ps.fail(&UnsupportedError{Msg: "A path may contain at most 2 components in the FROM clause"})
		}
	}
	switch t := ps.peek(); {
	case ps.isPunct("["):
		ps.fail(&UnsupportedError{Msg: "Invalid list expression in source."})
	case ps.isPunct(","), t.kind == tIdent && joinWords[strings.ToUpper(t.text)]:
		ps.fail(&UnsupportedError{Msg: "Only select from a single table or index is supported."})
	}
	ps.refuseAlias()
}

// joinWords start a JOIN after a FROM source.
var joinWords = map[string]bool{"JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "OUTER": true, "CROSS": true}

// clauseWords may follow a table name; any other name there is an alias.
var clauseWords = map[string]bool{"GROUP": true, "HAVING": true, "OFFSET": true}

// refuseAlias refuses an alias after a table name (t, AS t, "t").
func (ps *parser) refuseAlias() {
	t := ps.peek()
	up := strings.ToUpper(t.text)
	if t.kind == tQIdent || t.kind == tIdent && (up == "AS" || !keywords[up] && !clauseWords[up]) {
		ps.fail(&UnsupportedError{Msg: "Aliasing is not supported"})
	}
}

// refuseIndex refuses an index ("table"."index") where a write names its
// table.
func (ps *parser) refuseIndex() {
	if ps.isPunct(".") {
		ps.fail(&UnsupportedError{Msg: "This operation is not supported on an index"})
	}
}

// selectClauses reads what may follow FROM: WHERE and ORDER BY, refusing
// the clauses DynamoDB does not run.
func (ps *parser) selectClauses(s *Select) {
	if ps.acceptKeyword("WHERE") {
		s.Where = ps.expr()
	}
	switch {
	case ps.isKeyword("GROUP"):
		ps.fail(&UnsupportedError{Msg: "Unsupported clause: GROUP BY"})
	case ps.isKeyword("HAVING"):
		ps.fail(&UnsupportedError{Msg: "Unsupported clause: HAVING"})
	}
	if ps.acceptKeyword("ORDER") {
		ps.keyword("BY")
		for {
			s.OrderBy = append(s.OrderBy, ps.orderTerm())
			if !ps.accept(",") {
				break
			}
		}
	}
	if ps.isKeyword("LIMIT") {
		ps.fail(&UnsupportedError{Msg: "Unsupported clause: LIMIT"})
	}
}

// orderTerm reads an attribute name and an optional ASC or DESC.
func (ps *parser) orderTerm() OrderTerm {
	t := ps.peek()
	switch {
	case t.kind == tString || t.kind == tNumber:
		ps.fail(&UnsupportedError{Msg: "Argument to ORDER BY must be of type VariableReference. Type: Literal"})
	}
	o := OrderTerm{Name: ps.name("an attribute name")}
	if ps.isPunct(".") || ps.isPunct("[") {
		ps.fail(&UnsupportedError{Msg: "Argument to ORDER BY must be of type VariableReference. Type: Path"})
	}
	if ps.acceptKeyword("DESC") {
		o.Desc = true
	} else {
		ps.acceptKeyword("ASC")
	}
	return o
}

func (ps *parser) selectStatement() *Select {
	s := &Select{}
	switch {
	case ps.isKeyword("DISTINCT"):
		ps.fail(&UnsupportedError{Msg: "Unsupported token in expression: DISTINCT"})
	case ps.isKeyword("VALUE"), ps.isKeyword("PIVOT"):
		ps.fail(&UnsupportedError{Msg: "Select projection doesn't support value or pivot keywords"})
	}
	if ps.accept("*") {
		s.Star = true
	} else {
		for {
			s.Paths = append(s.Paths, ps.projectionItem())
			if ps.isKeyword("AS") {
				ps.fail(&UnsupportedError{Msg: "Aliasing is not supported"})
			}
			if !ps.accept(",") {
				break
			}
			if ps.isPunct("*") {
				ps.fail(&UnsupportedError{Msg: "Other attributes should not be present in the projection when '*' is used."})
			}
		}
	}
	if s.Star && ps.isPunct(",") {
		ps.fail(&UnsupportedError{Msg: "Other attributes should not be present in the projection when '*' is used."})
	}
	ps.keyword("FROM")
	ps.selectSource(s)
	ps.selectClauses(s)
	return s
}

func (ps *parser) insertStatement() *Insert {
	ps.keyword("INTO")
	in := &Insert{Table: ps.name("a table name")}
	if ps.isPunct(".") {
		// DynamoDB's words for an index after INSERT INTO (UPDATE and
		// DELETE say "not supported on an index").
		ps.fail(&UnsupportedError{Msg: "FROM clause may only contain a single table name in data manipulation statements"})
	}
	if t := ps.peek(); t.kind == tQIdent || t.kind == tIdent && !keywords[strings.ToUpper(t.text)] {
		ps.fail(&SyntaxError{Msg: msgLeftover}) // an alias
	}
	if ps.isKeyword("VALUES") || ps.isPunct("<<") {
		ps.fail(&UnsupportedError{Msg: `Unsupported operation: Inserting multiple items in a single statement is not supported, use "INSERT INTO tableName VALUE item" instead`})
	}
	ps.keyword("VALUE")
	m, ok := ps.primary().(*Map)
	if !ok {
		ps.fail(&UnsupportedError{Msg: "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."})
	}
	in.Item = m
	if ps.isKeyword("ON") {
		ps.fail(&UnsupportedError{Msg: "Unsupported clause: ON CONFLICT"})
	}
	if ps.isKeyword("RETURNING") {
		ps.fail(&UnsupportedError{Msg: "RETURNING is not supported in INSERT"})
	}
	return in
}

func (ps *parser) updateStatement() *Update {
	u := &Update{Table: ps.name("a table name")}
	ps.refuseIndex()
	ps.refuseAlias()
	for {
		switch {
		case ps.acceptKeyword("SET"):
			for {
				p := ps.path()
				ps.expect("=")
				u.Sets = append(u.Sets, SetClause{Path: p, Value: ps.additive()})
				if !ps.accept(",") {
					break
				}
			}
			continue
		case ps.acceptKeyword("REMOVE"):
			for {
				u.Removes = append(u.Removes, ps.path())
				if !ps.accept(",") {
					break
				}
			}
			continue
		}
		break
	}
	if len(u.Sets) == 0 && len(u.Removes) == 0 {
		t := ps.peek()
		ps.fail(errAt(t, "Expected SET or REMOVE but found %s", t.describe()))
	}
	ps.keyword("WHERE")
	u.Where = ps.expr()
	u.Returning = ps.returning()
	return u
}

func (ps *parser) deleteStatement() *Delete {
	ps.keyword("FROM")
	d := &Delete{Table: ps.name("a table name")}
	ps.refuseIndex()
	ps.refuseAlias()
	ps.keyword("WHERE")
	d.Where = ps.expr()
	d.Returning = ps.returning()
	return d
}

// returning reads an optional RETURNING (ALL | MODIFIED) (OLD | NEW) *.
func (ps *parser) returning() string {
	if !ps.acceptKeyword("RETURNING") {
		return ""
	}
	t := ps.next()
	which := strings.ToUpper(t.text)
	if t.kind != tIdent || which != "ALL" && which != "MODIFIED" {
		ps.fail(errAt(t, "Expected ALL or MODIFIED but found %s", t.describe()))
	}
	t = ps.next()
	when := strings.ToUpper(t.text)
	if t.kind != tIdent || when != "OLD" && when != "NEW" {
		ps.fail(errAt(t, "Expected OLD or NEW but found %s", t.describe()))
	}
	if !ps.accept("*") {
		ps.fail(&UnsupportedError{Msg: "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"})
	}
	if ps.isPunct(",") {
		ps.fail(&UnsupportedError{Msg: "Invalid syntax with multiple returning elements in RETURNING clause"})
	}
	return which + " " + when
}

// path reads a document path: a name, then .name and [index] steps.
func (ps *parser) path() expr.Path {
	t := ps.peek()
	if t.kind == tPunct && t.text == "[" {
		ps.fail(&UnsupportedError{Msg: "A path cannot start with a list index"})
	}
	p := expr.Path{{Name: ps.name("an attribute name")}}
	return ps.pathSteps(p)
}

func (ps *parser) pathSteps(p expr.Path) expr.Path {
	for {
		switch {
		case ps.accept("."):
			if ps.isPunct("*") {
				ps.fail(&UnsupportedError{Msg: "Unpivot path component like a.*.b are not supported"})
			}
			p = append(p, expr.PathElem{Name: ps.dotStep()})
		case ps.accept("["):
			t := ps.next()
			if t.kind == tPunct && t.text == "*" {
				ps.fail(&UnsupportedError{Msg: "Wildcard path component like a[*].b are not supported"})
			}
			if t.kind == tString { // a['b'] is a map lookup
				p = append(p, expr.PathElem{Name: t.text})
			} else {
				n, err := strconv.Atoi(t.text)
				if t.kind != tNumber || err != nil || n < 0 {
					ps.fail(errAt(t, "Expected a list index but found %s", t.describe()))
				}
				p = append(p, expr.PathElem{Index: n, IsIndex: true})
			}
			ps.expect("]")
		default:
			return p
		}
	}
}

// dotStep reads the name after a path's dot. A reserved word there is
// refused unless quoted, in DynamoDB's words: its parser reads the word as
// a keyword, which cannot follow a dot.
func (ps *parser) dotStep() string {
	if t := ps.peek(); t.kind == tIdent && reserved[strings.ToUpper(t.text)] {
		ps.fail(&SyntaxError{Msg: "Invalid path dot component"})
	}
	return ps.name("an attribute name")
}

// expr := or
func (ps *parser) expr() Expr {
	l := ps.and()
	for ps.acceptKeyword("OR") {
		l = &Binary{Op: "OR", L: l, R: ps.and()}
	}
	return l
}

func (ps *parser) and() Expr {
	l := ps.not()
	for ps.acceptKeyword("AND") {
		l = &Binary{Op: "AND", L: l, R: ps.not()}
	}
	return l
}

func (ps *parser) not() Expr {
	if ps.acceptKeyword("NOT") {
		return &Not{X: ps.not()}
	}
	return ps.predicate()
}

// predicate is a comparison, BETWEEN, IN or IS, or a plain operand.
func (ps *parser) predicate() Expr {
	l := ps.additive()
	t := ps.peek()
	if t.kind == tPunct {
		switch t.text {
		case "=", "<>", "<", "<=", ">", ">=":
			ps.i++
			return &Binary{Op: t.text, L: l, R: ps.additive()}
		}
	}
	negated := false
	if ps.isKeyword("NOT") && ps.i+1 < len(ps.toks) {
		nx := ps.toks[ps.i+1]
		if nx.kind == tIdent && (strings.EqualFold(nx.text, "BETWEEN") || strings.EqualFold(nx.text, "IN")) {
			ps.i++
			negated = true
		}
	}
	var out Expr
	switch {
	case ps.acceptKeyword("BETWEEN"):
		lo := ps.additive()
		ps.keyword("AND")
		out = &Between{X: l, Lo: lo, Hi: ps.additive()}
	case ps.acceptKeyword("IN"):
		out = &In{X: l, List: ps.inList()}
	case ps.acceptKeyword("IS"):
		not := ps.acceptKeyword("NOT")
		t := ps.next()
		typ := strings.ToUpper(t.text)
		if t.kind != tIdent || !isTypes[typ] {
			ps.fail(&UnsupportedError{Msg: "Unsupported data type for IS operator: " + t.text + ". Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"})
		}
		return &Is{X: l, Not: not, Type: typ}
	default:
		return l
	}
	if negated {
		return &Not{X: out}
	}
	return out
}

// maxInOperands is the most values DynamoDB takes in one IN list, as in
// a FilterExpression's IN.
const maxInOperands = 100

// inList reads IN's list of values, in brackets, parentheses or << >>.
func (ps *parser) inList() []Expr {
	open := ps.next()
	closer := map[string]string{"[": "]", "(": ")", "<<": ">>"}[open.text]
	if open.kind != tPunct || closer == "" {
		ps.fail(errAt(open, "Expected '[' or '(' but found %s", open.describe()))
	}
	var list []Expr
	for {
		list = append(list, ps.additive())
		if !ps.accept(",") {
			break
		}
	}
	ps.expect(closer)
	if len(list) > maxInOperands {
		ps.fail(&UnsupportedError{Msg: "The IN operator is provided with too many operands; number of operands: " + strconv.Itoa(len(list))})
	}
	return list
}

func (ps *parser) additive() Expr {
	l := ps.primary()
	for {
		t := ps.peek()
		if t.kind != tPunct || t.text != "+" && t.text != "-" {
			return l
		}
		ps.i++
		l = &Binary{Op: t.text, L: l, R: ps.primary()}
	}
}

func (ps *parser) primary() Expr {
	t := ps.next()
	switch t.kind {
	case tString:
		return &Literal{Value: attr.StrValue(t.text)}
	case tNumber:
		return ps.number(t, "")
	case tQIdent:
		return &Path{Path: ps.pathSteps(expr.Path{{Name: t.text}})}
	case tIdent:
		up := strings.ToUpper(t.text)
		switch up {
		case "TRUE", "FALSE":
			return &Literal{Value: attr.Value{Kind: attr.BOOL, Bool: up == "TRUE"}}
		case "NULL":
			return &Literal{Value: attr.Value{Kind: attr.NULL}}
		case "MISSING":
			ps.fail(&UnsupportedError{Msg: "MISSING must be compared using IS operator"})
		case "SELECT":
			if prev := ps.toks[max(ps.i-2, 0)]; prev.kind == tPunct && prev.text == "(" { // a subquery
				ps.fail(&UnsupportedError{Msg: "Unsupported token in expression: SELECT"})
			}
		}
		if ps.isPunct("(") {
			return ps.call(t)
		}
		if keywords[up] {
			ps.fail(errAt(t, "Unexpected keyword %s", up))
		}
		return &Path{Path: ps.pathSteps(expr.Path{{Name: t.text}})}
	case tPunct:
		switch t.text {
		case "?":
			ps.params++
			return &Param{Index: ps.params - 1}
		case "-":
			if n := ps.peek(); n.kind == tNumber {
				ps.i++
				return ps.number(n, "-")
			}
		case "(":
			e := ps.expr()
			ps.expect(")")
			return e
		case "{":
			return ps.mapLiteral()
		case "[":
			return &List{Elems: ps.elements("]")}
		case "<<":
			elems := ps.elements(">>")
			if len(elems) == 0 {
				ps.fail(&UnsupportedError{Msg: "Empty bags are not supported"})
			}
			return &Bag{Elems: elems}
		}
	}
	ps.fail(errAt(t, "Unexpected %s", t.describe()))
	return nil
}

func (ps *parser) number(t token, sign string) Expr {
	n, msg := attr.ParseNumber(sign + t.text)
	if msg != "" {
		ps.fail(errAt(t, "Invalid number %s%s", sign, t.text))
	}
	return &Literal{Value: attr.NumValue(n)}
}

func (ps *parser) call(name token) Expr {
	ps.expect("(")
	c := &Call{Name: strings.ToLower(name.text)}
	if !ps.accept(")") {
		for {
			c.Args = append(c.Args, ps.additive())
			if !ps.accept(",") {
				break
			}
		}
		ps.expect(")")
	}
	return c
}

// elements reads comma-separated values up to the closing token.
func (ps *parser) elements(closer string) []Expr {
	var out []Expr
	if ps.accept(closer) {
		return out
	}
	for {
		out = append(out, ps.additive())
		if !ps.accept(",") {
			break
		}
	}
	ps.expect(closer)
	return out
}

func (ps *parser) mapLiteral() *Map {
	m := &Map{}
	if ps.accept("}") {
		return m
	}
	for {
		k := ps.next()
		if k.kind != tString {
			ps.fail(errAt(k, "Expected a string key but found %s", k.describe()))
		}
		ps.expect(":")
		m.Keys = append(m.Keys, k.text)
		m.Vals = append(m.Vals, ps.additive())
		if !ps.accept(",") {
			break
		}
	}
	ps.expect("}")
	return m
}
