package partiql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

func name(n string) *Path           { return &Path{Path: expr.NamePath(n)} }
func str(s string) *Literal         { return &Literal{Value: attr.StrValue(s)} }
func num(s string) *Literal         { return &Literal{Value: attr.NumValue(s)} }
func bin(op string, l, r Expr) Expr { return &Binary{Op: op, L: l, R: r} }

func TestParseStatements(t *testing.T) {
	cases := []struct {
		name, src string
		want      Statement
		params    int
	}{
		{"select star", `SELECT * FROM "Music"`, &Select{Table: "Music", Star: true}, 0},
		{"keywords in any case, a trailing semicolon", `select * from Music where Artist = 'Acme';`,
			&Select{Table: "Music", Star: true, Where: bin("=", name("Artist"), str("Acme"))}, 0},
		{"an index and projected paths", `SELECT a, "b c", m.x[2] FROM "T"."idx" WHERE pk = ? AND sk > ?`,
			&Select{Table: "T", Index: "idx", Paths: []expr.Path{expr.NamePath("a"), expr.NamePath("b c"), {{Name: "m"}, {Name: "x"}, {Index: 2, IsIndex: true}}},
				Where: bin("AND", bin("=", name("pk"), &Param{0}), bin(">", name("sk"), &Param{1}))}, 2},
		{"precedence of OR, AND and NOT", `SELECT * FROM t WHERE a = 1 OR NOT b = 2 AND c = 3`,
			&Select{Table: "t", Star: true, Where: bin("OR", bin("=", name("a"), num("1")),
				bin("AND", &Not{X: bin("=", name("b"), num("2"))}, bin("=", name("c"), num("3"))))}, 0},
		{"BETWEEN, IN, IS and functions", `SELECT * FROM t WHERE a BETWEEN 1 AND 2 AND b IN [1, ?] AND c IS NOT MISSING AND begins_with(d, 'x') AND size(e) >= 2`,
			&Select{Table: "t", Star: true, Where: bin("AND", bin("AND", bin("AND", bin("AND",
				&Between{X: name("a"), Lo: num("1"), Hi: num("2")},
				&In{X: name("b"), List: []Expr{num("1"), &Param{0}}}),
				&Is{X: name("c"), Not: true, Type: "MISSING"}),
				&Call{Name: "begins_with", Args: []Expr{name("d"), str("x")}}),
				bin(">=", &Call{Name: "size", Args: []Expr{name("e")}}, num("2")))}, 1},
		{"NOT IN", `SELECT * FROM t WHERE a NOT IN (1)`,
			&Select{Table: "t", Star: true, Where: &Not{X: &In{X: name("a"), List: []Expr{num("1")}}}}, 0},
		{"insert of every literal", `INSERT INTO t VALUE {'s': 'it''s', 'n': -1.50, 'b': TRUE, 'z': null, 'l': [1, 'a'], 'm': {'x': ?}, 'ss': <<'a', 'b'>>}`,
			&Insert{Table: "t", Item: &Map{Keys: []string{"s", "n", "b", "z", "l", "m", "ss"}, Vals: []Expr{
				str("it's"), num("-1.5"), &Literal{Value: attr.Value{Kind: attr.BOOL, Bool: true}}, &Literal{Value: attr.Value{Kind: attr.NULL}},
				&List{Elems: []Expr{num("1"), str("a")}}, &Map{Keys: []string{"x"}, Vals: []Expr{&Param{0}}}, &Bag{Elems: []Expr{str("a"), str("b")}}}}}, 1},
		{"update with SET, REMOVE and RETURNING", `UPDATE t SET a = a + 1, b = list_append(b, [2]) REMOVE c.d[0] SET e = 'x' WHERE pk = 'k' RETURNING MODIFIED NEW *`,
			&Update{Table: "t", Sets: []SetClause{
				{Path: expr.NamePath("a"), Value: bin("+", name("a"), num("1"))},
				{Path: expr.NamePath("b"), Value: &Call{Name: "list_append", Args: []Expr{name("b"), &List{Elems: []Expr{num("2")}}}}},
				{Path: expr.NamePath("e"), Value: str("x")}},
				Removes: []expr.Path{{{Name: "c"}, {Name: "d"}, {Index: 0, IsIndex: true}}},
				Where:   bin("=", name("pk"), str("k")), Returning: "MODIFIED NEW"}, 0},
		{"delete returning", `DELETE FROM "t" WHERE pk = ? RETURNING ALL OLD *`,
			&Delete{Table: "t", Where: bin("=", name("pk"), &Param{0}), Returning: "ALL OLD"}, 1},
		{"comments", "-- a note\nSELECT * /* a\nnote */ FROM t -- another\n/**/WHERE a = 1 /* last */",
			&Select{Table: "t", Star: true, Where: bin("=", name("a"), num("1"))}, 0},
		{"a map lookup by string", `SELECT m['k'] FROM t`, &Select{Table: "t", Paths: []expr.Path{{{Name: "m"}, {Name: "k"}}}}, 0},
		{"reserved words quoted after a dot, other words unquoted", `SELECT m."inner", m.partition FROM t WHERE size(m."size") > 1`,
			&Select{Table: "t", Paths: []expr.Path{{{Name: "m"}, {Name: "inner"}}, {{Name: "m"}, {Name: "partition"}}},
				Where: bin(">", &Call{Name: "size", Args: []Expr{&Path{Path: expr.Path{{Name: "m"}, {Name: "size"}}}}}, num("1"))}, 0},
		{"ORDER BY with and without a direction", `SELECT * FROM t WHERE a = 1 ORDER BY a, "b" DESC, c asc`,
			&Select{Table: "t", Star: true, Where: bin("=", name("a"), num("1")),
				OrderBy: []OrderTerm{{Name: "a"}, {Name: "b", Desc: true}, {Name: "c"}}}, 0},
		{"EXISTS", `exists (SELECT * FROM "t" WHERE a = ? AND b IS MISSING)`,
			&Exists{Select: &Select{Table: "t", Star: true, Where: bin("AND", bin("=", name("a"), &Param{0}), &Is{X: name("b"), Type: "MISSING"})}}, 1},
		{"NOT EXISTS", `NOT EXISTS(SELECT a FROM t WHERE a = 1)`,
			&Exists{Negated: true, Select: &Select{Table: "t", Paths: []expr.Path{expr.NamePath("a")}, Where: bin("=", name("a"), num("1"))}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.src)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.src, err)
			}
			if !reflect.DeepEqual(p.Statement, tc.want) {
				t.Errorf("parse %q\n got %#v\nwant %#v", tc.src, p.Statement, tc.want)
			}
			if p.Params != tc.params {
				t.Errorf("params %d, want %d", p.Params, tc.params)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src, want string
		syntax    bool // a SyntaxError, else an UnsupportedError
	}{
		{`CREATE TABLE t`, "Expected data manipulation", true},
		{``, "Expected data manipulation", true},
		{`SELECT * FROM`, "Expected a table name but found end of statement at line 1, column 14", true},
		{"SELECT *\nFROM t WHERE a = 'x", "Unterminated string literal at line 2, column 18", true},
		{`SELECT * FROM t WHERE a = 1 b`, "Unexpected token after expression", true},
		{`SELECT * FROM t WHERE a = 1)`, "Unexpected token after expression", true},
		{`DELETE FROM t WHERE a = 1 ORDER BY a`, "Unexpected token after expression", true},
		{`SELECT * FROM t ORDER BY a WHERE a = 1`, "Unexpected token after expression", true},
		{`INSERT INTO t x VALUE {'a': 1}`, "Unexpected token after expression", true},
		{`EXISTS(SELECT * FROM t WHERE a = 1`, "Expected ')' but found end of statement at line 1, column 35", true},
		{`NOT a = 1`, "Expected data manipulation", true},
		{`SELECT * FROM t WHERE a = #`, ``, true},
		{"SELECT * FROM t /* a\nnote */ WHERE a = 'x", "Unterminated string literal at line 2, column 19", true},
		{`SELECT * FROM t WHERE a = 1 /* note`, ``, true},
		{`SELECT * FROM t WHERE select = 1`, "Unexpected keyword SELECT at line 1, column 23", true},
		{`UPDATE t WHERE a = 1`, "Expected SET or REMOVE but found WHERE at line 1, column 10", true},
		{`DELETE FROM t WHERE a = 1 RETURNING ALL NEWER *`, "Expected OLD or NEW but found NEWER at line 1, column 41", true},
		{`SELECT a[x] FROM t`, "Expected a list index but found x at line 1, column 10", true},
		{`INSERT INTO t VALUE {a: 1}`, "Expected a string key but found a at line 1, column 22", true},
		{`SELECT *, a FROM t`, "Other attributes should not be present in the projection when '*' is used.", false},
		{`SELECT a AS b FROM t`, "Aliasing is not supported", false},
		{`SELECT * FROM a.b.c`, "A path may contain at most 2 components in the FROM clause", false},
		{`SELECT * FROM t[0]`, "Invalid list expression in source.", false},
		{`SELECT * FROM (SELECT * FROM t)`, "Unexpected from source", false},
		{`SELECT * FROM a, b`, "Only select from a single table or index is supported.", false},
		{`SELECT * FROM a JOIN b ON a.x = b.x`, "Only select from a single table or index is supported.", false},
		{`SELECT * FROM a LEFT OUTER JOIN b ON a.x = b.x`, "Only select from a single table or index is supported.", false},
		{`SELECT * FROM "" WHERE a = 1`, "Path component cannot be an empty string", false},
		{`SELECT * FROM t."" WHERE a = 1`, "Path component cannot be an empty string", false},
		{`SELECT * FROM t x WHERE a = 1`, "Aliasing is not supported", false},
		{`SELECT * FROM t AS x`, "Aliasing is not supported", false},
		{`UPDATE t x SET a = 1 WHERE b = 1`, "Aliasing is not supported", false},
		{`DELETE FROM "t" "x" WHERE b = 1`, "Aliasing is not supported", false},
		{`SELECT COUNT(*) FROM t`, "Unexpected path component", false},
		{`SELECT a, max(b) FROM t`, "Unexpected path component", false},
		{`SELECT 'x' FROM t`, "Unexpected path component", false},
		{`SELECT DISTINCT a FROM t`, "Unsupported token in expression: DISTINCT", false},
		{`SELECT VALUE a FROM t`, "Select projection doesn't support value or pivot keywords", false},
		{`SELECT * FROM t WHERE a = 1 GROUP BY a`, "Unsupported clause: GROUP BY", false},
		{`SELECT * FROM t HAVING a = 1`, "Unsupported clause: HAVING", false},
		{`SELECT * FROM t WHERE a = 1 LIMIT 5`, "Unsupported clause: LIMIT", false},
		{`SELECT * FROM t WHERE a = 1 ORDER BY b LIMIT 5`, "Unsupported clause: LIMIT", false},
		{`SELECT * FROM t WHERE a = 1 ORDER BY m.b`, "Argument to ORDER BY must be of type VariableReference. Type: Path", false},
		{`SELECT * FROM t WHERE a = 1 ORDER BY 1`, "Argument to ORDER BY must be of type VariableReference. Type: Literal", false},
		{`SELECT * FROM t WHERE a IN (SELECT b FROM u)`, "Unsupported token in expression: SELECT", false},
		{`INSERT INTO t VALUE {'a': 1} ON CONFLICT DO NOTHING`, "Unsupported clause: ON CONFLICT", false},
		{`SELECT a[*].b FROM t`, "Wildcard path component like a[*].b are not supported", false},
		{`SELECT a.*.b FROM t`, "Unpivot path component like a.*.b are not supported", false},
		{`INSERT INTO t VALUE 'x'`, "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.", false},
		{`INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *`, "RETURNING is not supported in INSERT", false},
		{`UPDATE t SET a = 1 WHERE b = 1 RETURNING ALL NEW`, "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause", false},
		{`SELECT * FROM t WHERE a IS DATE`, "Unsupported data type for IS operator: DATE. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]", false},
		{`SELECT * FROM t WHERE a = MISSING`, "MISSING must be compared using IS operator", false},
		{`UPDATE t SET a = <<>> WHERE b = 1`, "Empty bags are not supported", false},
		{`SELECT * FROM t WHERE a IN [` + strings.Repeat("1, ", 100) + `1]`, "The IN operator is provided with too many operands; number of operands: 101", false},
		{`DELETE FROM t WHERE a = 1 AND b NOT IN (` + strings.Repeat("'x', ", 119) + `'x')`, "The IN operator is provided with too many operands; number of operands: 120", false},
		{`SELECT * FROM t WHERE a = 1 AND attribute_exists(m.inner)`, "Invalid path dot component", true},
		{`SELECT payload.size FROM t`, "Invalid path dot component", true},
		{`SELECT * FROM t WHERE m."a".Value = 1`, "Invalid path dot component", true},
		{`UPDATE t SET m.inner = set_add(m.inner, <<'y'>>) WHERE a = 1`, "Invalid path dot component", true},
		{`UPDATE t REMOVE m[0].from WHERE a = 1`, "Invalid path dot component", true},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			_, err := Parse(tc.src)
			if err == nil {
				t.Fatalf("parse %q succeeded, want %q", tc.src, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("parse %q: %q, want %q", tc.src, err.Error(), tc.want)
			}
			_, isSyntax := err.(*SyntaxError)
			if isSyntax != tc.syntax {
				t.Errorf("parse %q: error type %T", tc.src, err)
			}
		})
	}
}

// The words refused as leading names are reserved words too, so a path
// step after a dot is never taken where a leading name would be refused.
func TestKeywordsAreReserved(t *testing.T) {
	for w := range keywords {
		if !reserved[w] {
			t.Errorf("keyword %s is not among the reserved words", w)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`SELECT * FROM t WHERE a = 1`, `INSERT INTO t VALUE {'a': [<<1>>, {'b': ?}]}`,
		`UPDATE t SET a = a + 1 REMOVE b WHERE c = 'x' RETURNING ALL OLD *`, `DELETE FROM "t" WHERE a IN [1, 2]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err == nil && p.Statement == nil {
			t.Fatalf("parse %q: no statement and no error", src)
		}
	})
}
