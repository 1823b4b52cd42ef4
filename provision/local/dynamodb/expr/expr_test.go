package expr

import (
	"strings"
	"testing"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

func num(s string) attr.Value { return attr.NumValue(s) }
func str(s string) attr.Value { return attr.StrValue(s) }

func sample() attr.Item {
	return attr.Item{
		"pk":   str("k"),
		"n":    num("5"),
		"s":    str("hello"),
		"tags": {Kind: attr.SS, Strs: []string{"a", "b"}},
		"l":    {Kind: attr.L, List: []attr.Value{num("1"), str("two"), {Kind: attr.M, Map: map[string]attr.Value{"x": num("3")}}}},
		"m":    {Kind: attr.M, Map: map[string]attr.Value{"a": {Kind: attr.M, Map: map[string]attr.Value{"b": str("deep")}}}},
		"b":    {Kind: attr.B, Bin: []byte{1, 2, 3}},
		"t":    {Kind: attr.BOOL, Bool: true},
		"u":    str("é\U0001D11E"), // é and 𝄞 (outside the BMP): three UTF-16 units
	}
}

func TestConditionEval(t *testing.T) {
	values := map[string]attr.Value{
		":1": num("1"), ":5": num("5"), ":9": num("9"), ":h": str("he"), ":a": str("a"), ":S": str("S"),
		":deep": str("deep"), ":three": num("3"), ":two": str("two"), ":bin": {Kind: attr.B, Bin: []byte{1, 2}},
	}
	cases := []struct {
		name string
		expr string
		want bool
	}{
		{"equal", "n = :5", true},
		{"not equal", "n <> :5", false},
		{"less", "n < :9", true},
		{"less equal", "n <= :5", true},
		{"greater", "n > :9", false},
		{"greater equal", "n >= :5", true},
		{"between", "n BETWEEN :1 AND :9", true},
		{"in", "n IN (:1, :5)", true},
		{"in miss", "n IN (:1, :9)", false},
		{"and", "n = :5 AND s = :h", false},
		{"or", "n = :5 OR s = :h", true},
		{"not", "NOT n = :1", true},
		{"precedence", "n = :1 OR n = :5 AND s = :h", false},
		{"parens", "(n = :1 OR n = :5) AND NOT s = :h", true},
		{"operand in parens", "(n) = :5", true},
		{"size in parens", "(size(s)) = :5", true},
		{"operands in parens", "(n) BETWEEN (:1) AND (:9) AND ((n) IN (:5))", true},
		{"begins_with", "begins_with(s, :h)", true},
		{"begins_with binary", "begins_with(b, :bin)", true},
		{"contains set", "contains(tags, :a)", true},
		{"contains list", "contains(l, :two)", true},
		{"contains string", "contains(s, :h)", true},
		{"size", "size(s) = :5", true},
		{"size list", "size(l) = :three", true},
		{"size counts UTF-16 units", "size(u) = :three", true},
		{"attribute_type", "attribute_type(s, :S)", true},
		{"exists nested", "attribute_exists(m.a.b)", true},
		{"exists list map", "attribute_exists(l[2].x)", true},
		{"not exists", "attribute_not_exists(nothere)", true},
		{"nested compare", "m.a.b = :deep", true},
		{"list element compare", "l[2].x = :three", true},
		{"missing equal is false", "nothere = :1", false},
		{"missing not equal is true", "nothere <> :1", true},
		{"missing between is false", "nothere BETWEEN :1 AND :9", false},
		{"missing in is false", "nothere IN (:1)", false},
		{"type mismatch order", "s < :9", false},
		{"keywords any case", "n between :1 and :9 And not n = :1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParams(nil, values)
			c, err := ParseCondition(tc.expr, p)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.expr, err)
			}
			if got := c.Eval(sample()); got != tc.want {
				t.Errorf("%q = %v, want %v", tc.expr, got, tc.want)
			}
		})
	}
}

func TestConditionErrors(t *testing.T) {
	values := map[string]attr.Value{":1": num("1"), ":9": num("9"), ":s": str("x"), ":t": str("BAD")}
	cases := []struct {
		name string
		expr string
		want string
	}{
		{"empty", "", "The expression can not be empty;"},
		{"syntax", "a = ", "Syntax error; token: \"<EOF>\""},
		{"bad char", "a = :1 %", "Syntax error; token: \"%\""},
		{"reserved", "count = :1", "Attribute name is a reserved keyword; reserved keyword: count"},
		{"undefined value", "a = :nope", "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"undefined name", "#nope = :1", "An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"unknown function", "frob(a)", "Invalid function name; function: frob"},
		{"an update's function", "if_not_exists(a, :1) = :1", "The function is not allowed in a condition expression; function: if_not_exists"},
		{"an update's function as a condition", "list_append(a, :1)", "The function is not allowed in a condition expression; function: list_append"},
		{"between order", "a BETWEEN :9 AND :1", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:1}"},
		{"between types", "a BETWEEN :s AND :1", "The BETWEEN operator requires same data type for lower and upper bounds"},
		{"operands", "begins_with(a)", "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
		{"attribute_type name", "attribute_type(a, :t)", "Invalid attribute type name found; type: BAD"},
		{"exists needs path", "attribute_exists(:1)", "Operator or function requires a document path; operator or function: attribute_exists"},
		{"distinct", "a <> a", "The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a]"},
		{"misused size", "size(a)", "The function is not allowed to be used this way in an expression; function: size"},
		{"misused function", "contains(a, :s) = :1", "The function is not allowed to be used this way in an expression; function: contains"},
		{"list index not number", "a[x] = :1", "Syntax error;"},
		{"unclosed paren", "(a = :1", "Syntax error;"},
		// A bad operand and an undefined value: the one written first.
		{"a bad operand before an undefined value", "begins_with(a, :1) AND b = :nope", "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"an undefined value before a bad operand", "b = :nope AND begins_with(a, :1)", "An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"a bad operand in the middle", "a = :s AND begins_with(a, :1) AND b = :nope", "operator or function: begins_with, operand type: N"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCondition(tc.expr, NewParams(nil, values))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%q: got %v, want %q", tc.expr, err, tc.want)
			}
		})
	}
}

// TestSyntaxErrorNear: "near" is the source as written, from the token
// before the offending one to the end of the token after it, as in
// DynamoDB's answers (`token: "[", near: "([1"`, `token: "!", near: "!!"`
// for "!!" and for "!!!",
// `token: "<EOF>", near: ","`).
func TestSyntaxErrorNear(t *testing.T) {
	v := NewParams(nil, map[string]attr.Value{":v": num("1")})
	checkParses(t, []parseCase{
		{condition(v), "a IN ([1])", `Syntax error; token: "[", near: "([1"`},
		{projection, "!!", `Syntax error; token: "!", near: "!!"`},
		{projection, "!!!", `Syntax error; token: "!", near: "!!"`},
		{projection, "a, !#b.c", `Syntax error; token: "!", near: ", !#b"`},
		{projection, "a, !b", `Syntax error; token: "!", near: ", !b"`},
		{update(v), "SET a = :v,", `Syntax error; token: "<EOF>", near: ","`},
		{update(v), "SET n = :v + :v + :v", `Syntax error; token: "+", near: ":v + :v"`},
		{update(v), "SET [0] = :v", `Syntax error; token: "[", near: "SET [0"`},
		{update(v), "SET a=:v+:v+:v", `Syntax error; token: "+", near: ":v+:v"`},
	})
}

// TestPathNestingLimit: a document path holds at most 32 elements, in
// every kind of expression.
func TestPathNestingLimit(t *testing.T) {
	v := NewParams(nil, map[string]attr.Value{":v": num("1")})
	deep := func(n int) string { return "a" + strings.Repeat(".b", n-2) + "[0]" }
	const refused = "The document path has too many nesting levels; nesting levels: 33"
	checkParses(t, []parseCase{
		{condition(v), deep(32) + " = :v", ""},
		{condition(v), deep(33) + " = :v", refused},
		{update(v), "SET " + deep(32) + " = :v", ""},
		{update(v), "SET " + deep(33) + " = :v", refused},
		{update(v), "REMOVE " + deep(33), refused},
		{projection, deep(32), ""},
		{projection, "x, " + deep(33), refused},
	})
}

// TestListIndexRange: a list index must fit a 32-bit integer.
func TestListIndexRange(t *testing.T) {
	v := NewParams(nil, map[string]attr.Value{":v": num("1")})
	checkParses(t, []parseCase{
		{projection, "l[2147483647]", ""},
		{projection, "l[2147483648]", "List index is not within the allowable range; index: [2147483648]"},
		{projection, "l[999999999999999999999]", "List index is not within the allowable range; index: [999999999999999999999]"},
		{update(v), "SET l[99999999999] = :v", "List index is not within the allowable range; index: [99999999999]"},
		{condition(v), "l[99999999999] = :v", "List index is not within the allowable range; index: [99999999999]"},
	})
}

// TestOrderingNeedsOrderedValues: an ordering comparison or BETWEEN with a
// value of a type that has no order is refused when it is parsed, wherever
// it stands; equality takes any type, and a path is only known when the
// comparison is evaluated.
func TestOrderingNeedsOrderedValues(t *testing.T) {
	v := NewParams(nil, map[string]attr.Value{
		":bool": {Kind: attr.BOOL, Bool: true}, ":null": {Kind: attr.NULL, Bool: true},
		":ss": {Kind: attr.SS, Strs: []string{"a"}}, ":m": {Kind: attr.M, Map: map[string]attr.Value{}},
		":n": num("1"),
	})
	refused := func(op, typ string) string {
		return "Incorrect operand type for operator or function; operator or function: " + op + ", operand type: " + typ
	}
	checkParses(t, []parseCase{
		{condition(v), "a > :bool", refused(">", "BOOL")},
		{condition(v), "a <= :null", refused("<=", "NULL")},
		{condition(v), ":ss < a", refused("<", "SS")},
		{condition(v), ":n >= :m", refused(">=", "M")},
		{condition(v), "a BETWEEN :bool AND :n", refused("BETWEEN", "BOOL")},
		{condition(v), "attribute_not_exists(z) OR NOT (size(a) > :bool)", refused(">", "BOOL")},
		{condition(v), "a = :bool", ""},
		{condition(v), "a <> :m", ""},
		{condition(v), "a > b", ""},
	})
}

// parseCase is an expression, the parser for its kind, and the exact error
// it gives, or "" when it parses.
type parseCase struct {
	parse func(string) error
	expr  string
	want  string
}

func checkParses(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		err := tc.parse(tc.expr)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("%.60q: got %v, want %q", tc.expr, err, tc.want)
		}
	}
}

func condition(p *Params) func(string) error {
	return func(s string) error { _, err := ParseCondition(s, p); return err }
}

func update(p *Params) func(string) error {
	return func(s string) error { _, err := ParseUpdate(s, p); return err }
}

func projection(s string) error { _, err := ParseProjection(s, nil); return err }

func TestUnusedParams(t *testing.T) {
	p := NewParams(map[string]string{"#a": "a", "#b": "b"}, map[string]attr.Value{":v": num("1"), ":w": num("2")})
	if _, err := ParseCondition("#a = :v", p); err != nil {
		t.Fatal(err)
	}
	if got := p.Unused(); got != "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}" {
		t.Errorf("unused names: %q", got)
	}
	p = NewParams(nil, map[string]attr.Value{":v": num("1"), ":w": num("2")})
	ParseCondition("a = :v", p)
	if got := p.Unused(); got != "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}" {
		t.Errorf("unused values: %q", got)
	}
}

func TestUpdateApply(t *testing.T) {
	values := map[string]attr.Value{
		":one": num("1"), ":zero": num("0"), ":s": str("x"),
		":l":  {Kind: attr.L, List: []attr.Value{num("9")}},
		":ss": {Kind: attr.SS, Strs: []string{"b", "c"}},
		":a":  {Kind: attr.SS, Strs: []string{"a"}},
	}
	cases := []struct {
		name  string
		expr  string
		check func(t *testing.T, it attr.Item)
	}{
		{"add number", "ADD n :one", func(t *testing.T, it attr.Item) { want(t, it["n"], num("6")) }},
		{"add creates", "ADD c :one", func(t *testing.T, it attr.Item) { want(t, it["c"], num("1")) }},
		{"set arithmetic", "SET n = n - :one", func(t *testing.T, it attr.Item) { want(t, it["n"], num("4")) }},
		{"if_not_exists", "SET c = if_not_exists(c, :zero) + :one", func(t *testing.T, it attr.Item) { want(t, it["c"], num("1")) }},
		{"if_not_exists present", "SET n = if_not_exists(n, :zero) + :one", func(t *testing.T, it attr.Item) { want(t, it["n"], num("6")) }},
		{"list_append", "SET l = list_append(l, :l)", func(t *testing.T, it attr.Item) {
			if len(it["l"].List) != 4 {
				t.Errorf("list %v", it["l"])
			}
		}},
		{"nested set", "SET m.a.c = :s", func(t *testing.T, it attr.Item) { want(t, it["m"].Map["a"].Map["c"], str("x")) }},
		{"list index set", "SET l[0] = :s", func(t *testing.T, it attr.Item) { want(t, it["l"].List[0], str("x")) }},
		{"list append by index", "SET l[99] = :s", func(t *testing.T, it attr.Item) { want(t, it["l"].List[3], str("x")) }},
		{"remove", "REMOVE s, m.a.b", func(t *testing.T, it attr.Item) {
			if _, ok := it["s"]; ok {
				t.Error("s not removed")
			}
			if _, ok := it["m"].Map["a"].Map["b"]; ok {
				t.Error("m.a.b not removed")
			}
		}},
		{"remove list elements", "REMOVE l[0], l[1]", func(t *testing.T, it attr.Item) {
			if len(it["l"].List) != 1 || it["l"].List[0].Kind != attr.M {
				t.Errorf("list %v", it["l"])
			}
		}},
		{"add set", "ADD tags :ss", func(t *testing.T, it attr.Item) {
			if len(it["tags"].Strs) != 3 {
				t.Errorf("tags %v", it["tags"])
			}
		}},
		{"delete set", "DELETE tags :a", func(t *testing.T, it attr.Item) {
			if len(it["tags"].Strs) != 1 || it["tags"].Strs[0] != "b" {
				t.Errorf("tags %v", it["tags"])
			}
		}},
		{"all clauses", "SET a = :s REMOVE s ADD n :one DELETE tags :a", func(t *testing.T, it attr.Item) {
			want(t, it["a"], str("x"))
			want(t, it["n"], num("6"))
		}},
		{"values from before the update", "SET n = :one, c = n", func(t *testing.T, it attr.Item) { want(t, it["c"], num("5")) }},
		{"arithmetic in parentheses", "SET n = (n - :one), c = (:one)", func(t *testing.T, it attr.Item) {
			want(t, it["n"], num("4"))
			want(t, it["c"], num("1"))
		}},
		{"a function in parentheses", "SET c = (if_not_exists(c, :zero) + :one)", func(t *testing.T, it attr.Item) { want(t, it["c"], num("1")) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.expr, NewParams(nil, values))
			if err != nil {
				t.Fatalf("parse %q: %v", tc.expr, err)
			}
			orig := sample()
			it, err := u.Apply(orig)
			if err != nil {
				t.Fatalf("apply %q: %v", tc.expr, err)
			}
			tc.check(t, it)
			if !attr.Equal(orig["n"], num("5")) || len(orig["l"].List) != 3 {
				t.Errorf("the original item was modified")
			}
		})
	}
}

func want(t *testing.T, got, w attr.Value) {
	t.Helper()
	if !attr.Equal(got, w) {
		t.Errorf("got %v, want %v", got, w)
	}
}

func TestUpdateErrors(t *testing.T) {
	values := map[string]attr.Value{":one": num("1"), ":s": str("x"), ":ss": {Kind: attr.SS, Strs: []string{"a"}}, ":l": {Kind: attr.L}}
	cases := []struct {
		name string
		expr string
		want string
	}{
		{"twice", "SET a = :one SET b = :one", `The "SET" section can only be used once in an update expression;`},
		{"overlap", "SET a = :one REMOVE a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{"nested overlap", "REMOVE a, a.b", "path one: [a], path two: [a, b]"},
		{"conflict", "SET a.b = :one, a[0] = :one", "Two document paths conflict with each other"},
		{"add string", "ADD a :s", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
		{"delete number", "DELETE a :one", "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"},
		{"list_append type", "SET a = list_append(:s, a)", "operator or function: list_append, operand type: S"},
		{"plus type", "SET a = :s + :one", "operator or function: +, operand type: S"},
		{"function count", "SET a = if_not_exists(a)", "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"},
		{"unknown function", "SET a = frob(a, b)", "Invalid function name; function: frob"},
		{"a condition's function", "SET a = size(b)", "The function is not allowed in an update expression; function: size"},
		{"a condition's boolean function", "SET a = attribute_exists(b)", "The function is not allowed in an update expression; function: attribute_exists"},
		{"reserved", "SET name = :s", "Attribute name is a reserved keyword; reserved keyword: name"},
		{"no clause", "a = :s", "Syntax error;"},
		{"add needs value", "ADD a b", "Syntax error;"},
		{"redundant parentheses", "SET a = ((a + :one))", "The expression has redundant parentheses;"},
		{"parentheses around an operand", "SET a = (a) + :one", `Syntax error; token: "+", near: ") + :one"`},
		{"unclosed parenthesis", "SET a = (a + :one", `Syntax error; token: "<EOF>", near: ":one"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUpdate(tc.expr, NewParams(nil, values))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%q: got %v, want %q", tc.expr, err, tc.want)
			}
		})
	}
	runtime := []struct {
		name string
		expr string
		want string
	}{
		{"missing operand", "SET a = nothere + :one", MsgMissingAttribute},
		{"wrong type arithmetic", "SET a = s + :one", MsgIncorrectType},
		{"add to set wrong type", "ADD tags :one", MsgIncorrectType},
		{"bad nested path", "SET nothere.x = :one", MsgInvalidPath},
		{"list_append on non-list", "SET a = list_append(s, :l)", MsgIncorrectType},
	}
	for _, tc := range runtime {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.expr, NewParams(nil, values))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := u.Apply(sample()); err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestProjection(t *testing.T) {
	paths, err := ParseProjection("pk, m.a.b, l[2].x, #t", NewParams(map[string]string{"#t": "t"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := Project(sample(), paths)
	if len(got) != 4 {
		t.Fatalf("projection %v", got)
	}
	want(t, got["m"].Map["a"].Map["b"], str("deep"))
	want(t, got["l"].List[0].Map["x"], num("3"))
	if _, err := ParseProjection("a, a.b", nil); err == nil || !strings.Contains(err.Error(), "Two document paths overlap") {
		t.Errorf("overlapping projection: %v", err)
	}
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"a = :v", "attribute_exists(#n) AND NOT (b BETWEEN :v AND :v)", "size(l[0].x) > :v OR c IN (:v, :v)",
		"begins_with(a, :v)", "((a = :v))", "a.b[1] <> :v", "", "#", ":", "a[", "NOT NOT a = :v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := NewParams(map[string]string{"#n": "n"}, map[string]attr.Value{":v": num("1")})
		if c, err := ParseCondition(s, p); err == nil {
			c.Eval(sample())
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range []string{"SET a = :v", "SET a = if_not_exists(a, :v) + :v REMOVE b ADD c :v DELETE d :v",
		"SET l = list_append(l, :v), m.x[3] = :v", "REMOVE a[0], a[1]", "SET", "ADD a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := NewParams(map[string]string{"#n": "n"}, map[string]attr.Value{":v": num("1")})
		if u, err := ParseUpdate(s, p); err == nil {
			u.Apply(sample())
		}
		ParseProjection(s, p)
	})
}
