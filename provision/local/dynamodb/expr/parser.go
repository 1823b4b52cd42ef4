package expr

import (
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// Params holds a request's ExpressionAttributeNames and
// ExpressionAttributeValues and records which of them the expressions use,
// for DynamoDB's "defined and used" rules.
type Params struct {
	Names      map[string]string
	Values     map[string]attr.Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewParams returns Params for a request.
func NewParams(names map[string]string, values map[string]attr.Value) *Params {
	return &Params{Names: names, Values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

// Unused returns DynamoDB's message for names or values that no expression
// used, or "".
func (p *Params) Unused() string {
	var names, values []string
	for _, k := range attr.SortedKeys(p.Names) {
		if !p.usedNames[k] {
			names = append(names, k)
		}
	}
	for _, k := range attr.SortedKeys(p.Values) {
		if !p.usedValues[k] {
			values = append(values, k)
		}
	}
	if len(names) > 0 {
		return "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(names, ", ") + "}"
	}
	if len(values) > 0 {
		return "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(values, ", ") + "}"
	}
	return ""
}

type parser struct {
	src  string
	toks []token
	i    int
	p    *Params
	errs map[string]string // first semantic error of each category
	at   map[string]int    // the token each category's first error was noted at
}

// DynamoDB's limits on an expression: 4 KB of text, 300 operators or
// functions, and document paths of 32 elements (an item nests 32 deep).
const (
	maxExpressionBytes = 4096
	maxOperators       = 300
	maxPathDepth       = 32
)

func newParser(src string, p *Params, update bool) (*parser, error) {
	if src == "" {
		return nil, &Error{Msg: "The expression can not be empty;"}
	}
	if len(src) > maxExpressionBytes {
		return nil, &Error{Msg: "Expression size has exceeded the maximum allowed size;", Size: len(src)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if countOperators(toks, update) > maxOperators {
		// DynamoDB stops counting at the first operator past its limit.
		return nil, &Error{Msg: "The expression contains too many operators; operator count: " + strconv.Itoa(maxOperators+1)}
	}
	if p == nil {
		p = NewParams(nil, nil)
	}
	return &parser{src: src, toks: toks, p: p, errs: map[string]string{}, at: map[string]int{}}, nil
}

// countOperators counts the operators and functions of an expression from
// its tokens: comparisons, AND, OR, NOT, BETWEEN, IN, arithmetic and
// function calls. An update's "=" assigns and is not counted: AWS's
// example SET a = :val1 + :val2 + :val3 has two.
func countOperators(toks []token, update bool) int {
	n := 0
	for i, t := range toks {
		switch t.kind {
		case tEq:
			if !update {
				n++
			}
		case tNe, tLt, tLe, tGt, tGe, tPlus, tMinus:
			n++
		case tIdent:
			switch {
			case i+1 < len(toks) && toks[i+1].kind == tLParen:
				n++ // a function
			case strings.EqualFold(t.text, "AND"), strings.EqualFold(t.text, "OR"),
				strings.EqualFold(t.text, "NOT"), strings.EqualFold(t.text, "IN"):
				n++
			}
			// BETWEEN is counted once, through the AND it takes.
		}
	}
	return n
}

func (ps *parser) peek() token { return ps.toks[ps.i] }
func (ps *parser) peekAt(n int) token {
	if ps.i+n < len(ps.toks) {
		return ps.toks[ps.i+n]
	}
	return ps.toks[len(ps.toks)-1]
}
func (ps *parser) next() token {
	t := ps.toks[ps.i]
	if t.kind != tEOF {
		ps.i++
	}
	return t
}

// syntaxPanic stops parsing with err: a syntax error at the current
// token, or a list index past DynamoDB's range, which it reports at once.
type syntaxPanic struct{ err error }

func (ps *parser) fail() {
	panic(syntaxPanic{syntaxAt(ps.src, ps.toks[:ps.i], ps.peek(), ps.peekAt(1))})
}

func (ps *parser) expect(k tokKind) token {
	if ps.peek().kind != k {
		ps.fail()
	}
	return ps.next()
}

func (ps *parser) isKeyword(word string) bool {
	t := ps.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, word)
}

func (ps *parser) note(category, msg string) {
	if _, ok := ps.errs[category]; !ok {
		ps.errs[category] = msg
		ps.at[category] = ps.i
	}
}

func (ps *parser) firstError(order ...string) error {
	for _, c := range order {
		if m, ok := ps.errs[c]; ok {
			return &Error{Msg: m}
		}
	}
	return nil
}

// earliestError is the error of the given categories noted first in the
// expression.
func (ps *parser) earliestError(categories ...string) error {
	best := ""
	for _, c := range categories {
		if _, ok := ps.errs[c]; ok && (best == "" || ps.at[c] < ps.at[best]) {
			best = c
		}
	}
	if best == "" {
		return nil
	}
	return &Error{Msg: ps.errs[best]}
}

// run calls parse and turns a syntax panic into its error.
func run(parse func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			sp, ok := r.(syntaxPanic)
			if !ok {
				panic(r)
			}
			err = sp.err
		}
	}()
	parse()
	return nil
}

// path parses a document path, resolving #names.
func (ps *parser) path() Path {
	var p Path
	p = append(p, ps.pathName())
	for {
		switch ps.peek().kind {
		case tDot:
			ps.next()
			p = append(p, ps.pathName())
		case tLBracket:
			ps.next()
			t := ps.expect(tNumber)
			n, err := strconv.ParseInt(t.text, 10, 32)
			if err != nil {
				// An index must fit DynamoDB's 32-bit integers; it says
				// so at once.
				panic(syntaxPanic{&Error{Msg: "List index is not within the allowable range; index: [" + t.text + "]"}})
			}
			ps.expect(tRBracket)
			p = append(p, PathElem{Index: int(n), IsIndex: true})
		default:
			if len(p) > maxPathDepth {
				ps.note("nesting", "The document path has too many nesting levels; nesting levels: "+strconv.Itoa(len(p)))
			}
			return p
		}
	}
}

func (ps *parser) pathName() PathElem {
	t := ps.peek()
	if t.kind != tIdent && t.kind != tName {
		ps.fail()
	}
	ps.next()
	switch t.kind {
	case tIdent:
		if IsReserved(strings.ToUpper(t.text)) {
			ps.note("reserved", "Attribute name is a reserved keyword; reserved keyword: "+t.text)
		}
		return PathElem{Name: t.text}
	case tName:
		name, ok := ps.p.Names[t.text]
		if !ok {
			ps.note("attrName", "An expression attribute name used in the document path is not defined; attribute name: "+t.text)
		}
		ps.p.usedNames[t.text] = true
		return PathElem{Name: name}
	}
	return PathElem{}
}

func (ps *parser) value() attr.Value {
	t := ps.expect(tValue)
	v, ok := ps.p.Values[t.text]
	if !ok {
		ps.note("attrVal", "An expression attribute value used in expression is not defined; attribute value: "+t.text)
	}
	ps.p.usedValues[t.text] = true
	return v
}

// ParseProjection parses a projection expression: paths separated by commas.
func ParseProjection(src string, p *Params) ([]Path, error) {
	ps, err := newParser(src, p, false)
	if err != nil {
		return nil, err
	}
	var paths []Path
	err = run(func() {
		for {
			paths = append(paths, ps.path())
			if ps.peek().kind != tComma {
				break
			}
			ps.next()
		}
		if ps.peek().kind != tEOF {
			ps.fail()
		}
	})
	if err != nil {
		return nil, err
	}
	checkOverlaps(ps, paths)
	if err := ps.firstError("reserved", "attrName", "nesting", "pathOverlap", "pathConflict"); err != nil {
		return nil, err
	}
	return paths, nil
}

// CheckUpdatePaths refuses an update built without ParseUpdate (PartiQL's
// UPDATE) whose paths overlap or conflict, as ParseUpdate refuses them.
func CheckUpdatePaths(u *Update) error {
	ps := &parser{errs: map[string]string{}, at: map[string]int{}}
	checkOverlaps(ps, u.Paths())
	return ps.firstError("pathOverlap", "pathConflict")
}

func checkOverlaps(ps *parser, paths []Path) {
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			a, b := paths[i], paths[j]
			overlap := true
			for k := 0; k < len(a) && k < len(b); k++ {
				if a[k].IsIndex != b[k].IsIndex {
					ps.note("pathConflict", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: "+a.String()+", path two: "+b.String())
					overlap = false
					break
				}
				if a[k] != b[k] {
					overlap = false
					break
				}
			}
			if overlap {
				ps.note("pathOverlap", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+a.String()+", path two: "+b.String())
			}
		}
	}
}

// ParseUpdate parses an update expression.
func ParseUpdate(src string, p *Params) (*Update, error) {
	ps, err := newParser(src, p, true)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	sections := map[string]bool{}
	err = run(func() {
		if ps.peek().kind == tEOF {
			ps.fail()
		}
		for ps.peek().kind != tEOF {
			t := ps.peek()
			if t.kind != tIdent {
				ps.fail()
			}
			section := strings.ToUpper(t.text)
			switch section {
			case "SET", "REMOVE", "ADD", "DELETE":
			default:
				ps.fail()
			}
			ps.next()
			if sections[section] {
				ps.note("section", `The "`+section+`" section can only be used once in an update expression;`)
			}
			sections[section] = true
			for {
				switch section {
				case "SET":
					path := ps.path()
					ps.expect(tEq)
					u.Set = append(u.Set, SetAction{Path: path, Value: ps.setValue()})
				case "REMOVE":
					u.Remove = append(u.Remove, ps.path())
				case "ADD", "DELETE":
					path := ps.path()
					if ps.peek().kind != tValue {
						ps.fail()
					}
					v := ps.value()
					ps.checkAddDelete(section, v)
					if section == "ADD" {
						u.Add = append(u.Add, PathValue{path, v})
					} else {
						u.Delete = append(u.Delete, PathValue{path, v})
					}
				}
				if ps.peek().kind != tComma {
					break
				}
				ps.next()
			}
		}
	})
	if err != nil {
		return nil, err
	}
	checkOverlaps(ps, u.Paths())
	if err := ps.firstError("parens", "reserved", "unknownFunction", "section", "attrName", "nesting", "attrVal", "pathOverlap", "pathConflict", "operand", "function"); err != nil {
		return nil, err
	}
	return u, nil
}

var operandTypeNames = map[attr.Kind]string{attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY",
	attr.NULL: "NULL", attr.BOOL: "BOOLEAN", attr.L: "LIST", attr.M: "MAP"}

func (ps *parser) checkAddDelete(section string, v attr.Value) {
	if name, ok := operandTypeNames[v.Kind]; ok && !(section == "ADD" && v.Kind == attr.N) {
		ps.note("operand", "Incorrect operand type for operator or function; operator: "+section+", operand type: "+name+", typeSet: ALLOWED_FOR_"+section+"_OPERAND")
	}
}

// setValue parses the right-hand side of a SET action. DynamoDB takes the
// whole value in parentheses too, as in SET c = (c - :v); parentheses
// around them again are redundant, as in a condition.
func (ps *parser) setValue() *Operand {
	if ps.peek().kind == tLParen {
		ps.next()
		ps.checkRedundantParens()
		v := ps.setValue()
		ps.expect(tRParen)
		return v
	}
	a := ps.setOperand()
	switch ps.peek().kind {
	case tPlus, tMinus:
		op := ps.next()
		b := ps.setOperand()
		kind := OpPlus
		if op.kind == tMinus {
			kind = OpMinus
		}
		for _, x := range []*Operand{a, b} {
			if x.Kind == OpValue && x.Value.Kind != attr.N && x.Value.Kind != attr.Invalid {
				ps.note("function", "Incorrect operand type for operator or function; operator or function: "+op.text+", operand type: "+x.Value.Kind.String())
			}
		}
		return &Operand{Kind: kind, Args: []*Operand{a, b}}
	}
	return a
}

func (ps *parser) setOperand() *Operand {
	t := ps.peek()
	switch {
	case t.kind == tValue:
		return &Operand{Kind: OpValue, Value: ps.value()}
	case t.kind == tIdent && ps.peekAt(1).kind == tLParen:
		ps.next()
		ps.next()
		var args []*Operand
		for {
			args = append(args, ps.setOperand())
			if ps.peek().kind != tComma {
				break
			}
			ps.next()
		}
		ps.expect(tRParen)
		name := t.text
		switch name {
		case "if_not_exists", "list_append":
		default:
			ps.unknownFunction(name, true)
			return &Operand{Kind: OpValue}
		}
		if len(args) != 2 {
			ps.note("function", "Incorrect number of operands for operator or function; operator or function: "+name+", number of operands: "+strconv.Itoa(len(args)))
			return &Operand{Kind: OpValue}
		}
		if name == "if_not_exists" {
			if args[0].Kind != OpPath {
				ps.note("function", "Operator or function requires a document path; operator or function: "+name)
			}
			return &Operand{Kind: OpIfNotExists, Args: args}
		}
		for _, x := range args {
			if x.Kind == OpValue && x.Value.Kind != attr.L && x.Value.Kind != attr.Invalid {
				ps.note("function", "Incorrect operand type for operator or function; operator or function: list_append, operand type: "+x.Value.Kind.String())
			}
			if x.Kind == OpListAppend { // if_not_exists inside is fine
				ps.note("function", "The function is not allowed to be used this way in an expression; function: list_append")
			}
		}
		return &Operand{Kind: OpListAppend, Args: args}
	case t.kind == tIdent || t.kind == tName:
		return &Operand{Kind: OpPath, Path: ps.path()}
	}
	ps.fail()
	return nil
}

var conditionErrorOrder = []string{"parens", "syntaxFunc", "unknownFunction", "misusedFunction", "reserved", "attrName", "nesting"}

// sourceOrdered are the categories of a condition's errors that come after
// conditionErrorOrder's, and that DynamoDB reports in the order the
// expression is written (an operand of the wrong type before a later
// undefined value, and the other way round).
var sourceOrdered = []string{"attrVal", "operand", "distinct", "function"}

// ParseCondition parses a condition, filter or key condition expression.
func ParseCondition(src string, p *Params) (*Cond, error) {
	ps, err := newParser(src, p, false)
	if err != nil {
		return nil, err
	}
	var c *Cond
	err = run(func() {
		c = ps.or()
		if ps.peek().kind != tEOF {
			ps.fail()
		}
	})
	if err != nil {
		return nil, err
	}
	if err := ps.firstError(conditionErrorOrder...); err != nil {
		return nil, err
	}
	if err := ps.earliestError(sourceOrdered...); err != nil {
		return nil, err
	}
	return c, nil
}

func (ps *parser) or() *Cond { return ps.chain("OR", CondOr, ps.and) }

func (ps *parser) and() *Cond { return ps.chain("AND", CondAnd, ps.not) }

// chain parses operand (keyword operand)*, grouping to the left.
func (ps *parser) chain(keyword string, kind CondKind, operand func() *Cond) *Cond {
	c := operand()
	for ps.isKeyword(keyword) {
		ps.next()
		c = &Cond{Kind: kind, Sub: []*Cond{c, operand()}}
	}
	return c
}

func (ps *parser) not() *Cond {
	if ps.isKeyword("NOT") {
		ps.next()
		return &Cond{Kind: CondNot, Sub: []*Cond{ps.not()}}
	}
	return ps.primary()
}

// unknownFunction notes a function the expression cannot call: one of
// the other kind of expression's (DynamoDB names the kind), or none.
func (ps *parser) unknownFunction(name string, inUpdate bool) {
	_, condition := booleanFunctions[name]
	switch {
	case inUpdate && (condition || name == "size"):
		ps.note("unknownFunction", "The function is not allowed in an update expression; function: "+name)
	case !inUpdate && (name == "if_not_exists" || name == "list_append"):
		ps.note("unknownFunction", "The function is not allowed in a condition expression; function: "+name)
	default:
		ps.note("unknownFunction", "Invalid function name; function: "+name)
	}
}

var booleanFunctions = map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2}

func (ps *parser) primary() *Cond {
	t := ps.peek()
	if t.kind == tLParen && !ps.operandInParens() {
		ps.next()
		ps.checkRedundantParens()
		c := ps.or()
		ps.expect(tRParen)
		return c
	}
	if t.kind == tIdent && ps.peekAt(1).kind == tLParen && t.text != "size" {
		name := t.text
		ps.next()
		ps.next()
		args := ps.operandList()
		ps.expect(tRParen)
		n, known := booleanFunctions[name]
		if !known {
			ps.unknownFunction(name, false)
		} else {
			ps.checkFunction(name, n, args)
		}
		if isComparator(ps.peek().kind) || ps.isKeyword("BETWEEN") || ps.isKeyword("IN") {
			ps.note("misusedFunction", "The function is not allowed to be used this way in an expression; function: "+name)
			ps.comparison(&Operand{Kind: OpValue})
		}
		return &Cond{Kind: CondFunc, Op: name, Operands: args}
	}
	left := ps.operand()
	c := ps.comparison(left)
	if c == nil {
		if left.Kind == OpSize {
			ps.note("misusedFunction", "The function is not allowed to be used this way in an expression; function: size")
			return &Cond{Kind: CondTrue}
		}
		ps.fail()
	}
	return c
}

func isComparator(k tokKind) bool {
	switch k {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		return true
	}
	return false
}

// comparison parses what follows a left operand, or returns nil when no
// comparison follows.
func (ps *parser) comparison(left *Operand) *Cond {
	t := ps.peek()
	switch {
	case isComparator(t.kind):
		ps.next()
		right := ps.operand()
		ps.checkDistinct(t.text, []*Operand{left, right})
		if t.kind != tEq && t.kind != tNe {
			ps.checkOrderable(t.text, left, right)
		}
		return &Cond{Kind: CondCompare, Op: t.text, Operands: []*Operand{left, right}}
	case ps.isKeyword("BETWEEN"):
		ps.next()
		lo := ps.operand()
		if !ps.isKeyword("AND") {
			ps.fail()
		}
		ps.next()
		hi := ps.operand()
		ps.checkOrderable("BETWEEN", left, lo, hi)
		ps.checkBetween(lo, hi)
		return &Cond{Kind: CondBetween, Op: "BETWEEN", Operands: []*Operand{left, lo, hi}}
	case ps.isKeyword("IN"):
		ps.next()
		ps.expect(tLParen)
		list := ps.operandList()
		ps.expect(tRParen)
		if len(list) > 100 {
			// DynamoDB's words, as its answers to such filters show them.
			ps.note("function", "The IN operator is provided with too many operands; number of operands: "+strconv.Itoa(len(list)))
		}
		return &Cond{Kind: CondIn, Op: "IN", Operands: append([]*Operand{left}, list...)}
	}
	return nil
}

func (ps *parser) operandList() []*Operand {
	var list []*Operand
	for {
		list = append(list, ps.operand())
		if ps.peek().kind != tComma {
			return list
		}
		ps.next()
	}
}

// checkRedundantParens, just inside a parenthesis, notes DynamoDB's error
// for parentheses that enclose nothing but another parenthesised
// expression, as in ((a = :v)) or ((a)) = :v.
func (ps *parser) checkRedundantParens() {
	if ps.peek().kind != tLParen {
		return
	}
	if j := ps.closingParen(); j >= 0 && j+1 < len(ps.toks) && ps.toks[j+1].kind == tRParen {
		ps.note("parens", "The expression has redundant parentheses;")
	}
}

// operandInParens reports whether the parenthesis at the current token
// encloses an operand rather than a condition: what follows its matching
// parenthesis is a comparator, BETWEEN or IN, which no condition can be
// followed by.
func (ps *parser) operandInParens() bool {
	j := ps.closingParen()
	if j < 0 {
		return false
	}
	after := ps.peekAt(j + 1 - ps.i)
	return isComparator(after.kind) || after.kind == tIdent && (strings.EqualFold(after.text, "BETWEEN") || strings.EqualFold(after.text, "IN"))
}

// closingParen is the index of the token that closes the parenthesis at
// the current token, -1 when the expression ends first.
func (ps *parser) closingParen() int {
	depth := 0
	for j := ps.i; j < len(ps.toks); j++ {
		switch ps.toks[j].kind {
		case tLParen:
			depth++
		case tRParen:
			depth--
			if depth == 0 {
				return j
			}
		case tEOF:
			return -1
		}
	}
	return -1
}

// operand parses a path, a :value or size(path), each possibly in
// parentheses.
func (ps *parser) operand() *Operand {
	t := ps.peek()
	switch {
	case t.kind == tLParen:
		ps.next()
		ps.checkRedundantParens()
		o := ps.operand()
		ps.expect(tRParen)
		return o
	case t.kind == tValue:
		return &Operand{Kind: OpValue, Value: ps.value()}
	case t.kind == tIdent && ps.peekAt(1).kind == tLParen:
		ps.next()
		ps.next()
		args := ps.operandList()
		ps.expect(tRParen)
		if t.text != "size" {
			if _, known := booleanFunctions[t.text]; known {
				ps.note("misusedFunction", "The function is not allowed to be used this way in an expression; function: "+t.text)
			} else {
				ps.unknownFunction(t.text, false)
			}
			return &Operand{Kind: OpValue}
		}
		ps.checkFunction("size", 1, args)
		if len(args) != 1 {
			return &Operand{Kind: OpValue}
		}
		return &Operand{Kind: OpSize, Args: args}
	case t.kind == tIdent || t.kind == tName:
		return &Operand{Kind: OpPath, Path: ps.path()}
	}
	ps.fail()
	return nil
}

var attributeTypes = map[string]bool{"S": true, "N": true, "B": true, "NULL": true, "SS": true, "BOOL": true, "L": true, "BS": true, "NS": true, "M": true}

func (ps *parser) checkFunction(name string, want int, args []*Operand) {
	if len(args) != want {
		ps.note("operand", "Incorrect number of operands for operator or function; operator or function: "+name+", number of operands: "+strconv.Itoa(len(args)))
		return
	}
	ps.checkDistinct(name, args)
	for _, a := range args {
		if a.Kind == OpSize && name != "size" {
			ps.note("misusedFunction", "The function is not allowed to be used this way in an expression; function: size")
		}
	}
	switch name {
	case "attribute_exists", "attribute_not_exists":
		if args[0].Kind != OpPath {
			ps.note("function", "Operator or function requires a document path; operator or function: "+name)
		}
	case "begins_with":
		for _, a := range args {
			if a.Kind == OpValue && a.Value.Kind != attr.S && a.Value.Kind != attr.B && a.Value.Kind != attr.Invalid {
				ps.note("function", "Incorrect operand type for operator or function; operator or function: begins_with, operand type: "+a.Value.Kind.String())
			}
		}
	case "attribute_type":
		a := args[1]
		if a.Kind != OpValue || a.Value.Kind != attr.S {
			typ := "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
			if a.Kind == OpValue {
				typ = a.Value.Kind.String()
			}
			ps.note("function", "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: "+typ)
		} else if !attributeTypes[a.Value.Str] {
			ps.note("function", "Invalid attribute type name found; type: "+a.Value.Str+", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
		}
	case "size":
		if a := args[0]; a.Kind == OpValue && (a.Value.Kind == attr.N || a.Value.Kind == attr.BOOL || a.Value.Kind == attr.NULL) {
			ps.note("function", "Incorrect operand type for operator or function; operator or function: size, operand type: "+a.Value.Kind.String())
		}
	}
}

func (ps *parser) checkDistinct(name string, args []*Operand) {
	if len(args) != 2 || args[0].Kind != OpPath || args[1].Kind != OpPath || !args[0].Path.Equal(args[1].Path) {
		return
	}
	ps.note("distinct", "The first operand must be distinct from the remaining operands for this operator or function; operator: "+name+", first operand: "+args[0].Path.String())
}

// checkOrderable notes the first value among an ordering comparison's or
// BETWEEN's operands whose type has no order: DynamoDB refuses the
// expression before it reads any item, wherever the comparison stands. A
// path is only known at evaluation, where such a comparison is false.
func (ps *parser) checkOrderable(op string, operands ...*Operand) {
	for _, o := range operands {
		if o.Kind != OpValue {
			continue
		}
		switch o.Value.Kind {
		case attr.S, attr.N, attr.B, attr.Invalid:
		default:
			ps.note("function", "Incorrect operand type for operator or function; operator or function: "+op+", operand type: "+o.Value.Kind.String())
			return
		}
	}
}

func (ps *parser) checkBetween(lo, hi *Operand) {
	if lo.Kind != OpValue || hi.Kind != OpValue || lo.Value.Kind == attr.Invalid || hi.Value.Kind == attr.Invalid {
		return
	}
	bounds := "lower bound operand: AttributeValue: " + lo.Value.String() + ", upper bound operand: AttributeValue: " + hi.Value.String()
	if lo.Value.Kind != hi.Value.Kind {
		ps.note("function", "The BETWEEN operator requires same data type for lower and upper bounds; "+bounds)
		return
	}
	if c, ok := attr.Compare(lo.Value, hi.Value); ok && c > 0 {
		ps.note("function", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "+bounds)
	}
}
