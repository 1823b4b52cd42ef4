// Package partiql parses the PartiQL subset DynamoDB accepts in
// ExecuteStatement, BatchExecuteStatement and ExecuteTransaction into
// statements. It knows nothing of tables or storage: the dynamodb package
// binds parameters and executes.
package partiql

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// Statement is one of *Select, *Insert, *Update, *Delete and *Exists.
type Statement interface{ statement() }

// Select reads items of a table or one of its indexes.
type Select struct {
	Table, Index string      // Index is "" when reading the table
	Star         bool        // SELECT *
	Paths        []expr.Path // the projected paths when not Star
	Where        Expr        // nil when there is no WHERE clause
	OrderBy      []OrderTerm // ORDER BY, in the order written
}

// OrderTerm is one attribute of an ORDER BY clause.
type OrderTerm struct {
	Name string
	Desc bool
}

// Exists is EXISTS(SELECT ...) written as a statement: a condition check
// inside ExecuteTransaction. Negated is NOT EXISTS(...), which parses but
// DynamoDB does not run.
type Exists struct {
	Select  *Select
	Negated bool
}

// Insert adds one item, which must not exist yet.
type Insert struct {
	Table string
	Item  *Map
}

// SetClause is one assignment of an UPDATE.
type SetClause struct {
	Path  expr.Path
	Value Expr
}

// Update changes one item.
type Update struct {
	Table     string
	Sets      []SetClause
	Removes   []expr.Path
	Where     Expr
	Returning string // "", "ALL OLD", "MODIFIED OLD", "ALL NEW" or "MODIFIED NEW"
}

// Delete removes one item.
type Delete struct {
	Table     string
	Where     Expr
	Returning string // "" or "ALL OLD"
}

func (*Select) statement() {}
func (*Insert) statement() {}
func (*Update) statement() {}
func (*Delete) statement() {}
func (*Exists) statement() {}

// Expr is an expression: a *Literal, *Param, *Path, *Binary, *Not,
// *Between, *In, *Is, *Call, *Map, *List or *Bag.
type Expr interface{ expression() }

// Literal is a constant: a string, number, boolean or NULL.
type Literal struct{ Value attr.Value }

// Param is the Index'th (from 0) ? of the statement.
type Param struct{ Index int }

// Path is a document path such as a.b[2].
type Path struct{ Path expr.Path }

// Binary is a comparison (= <> < <= > >=), AND, OR, + or -.
type Binary struct {
	Op   string
	L, R Expr
}

// Not negates a condition.
type Not struct{ X Expr }

// Between is X BETWEEN Lo AND Hi.
type Between struct{ X, Lo, Hi Expr }

// In is X IN [List...].
type In struct {
	X    Expr
	List []Expr
}

// Is is X IS [NOT] Type, where Type is MISSING, NULL, BOOLEAN, BLOB,
// STRING, NUMERIC, STRUCT, TUPLE or LIST.
type Is struct {
	X    Expr
	Not  bool
	Type string
}

// Call is a function call; Name is lower case.
type Call struct {
	Name string
	Args []Expr
}

// Map is a {'key': value, ...} literal.
type Map struct {
	Keys []string
	Vals []Expr
}

// List is a [value, ...] literal.
type List struct{ Elems []Expr }

// Bag is a <<value, ...>> literal: a string, number or binary set.
type Bag struct{ Elems []Expr }

func (*Literal) expression() {}
func (*Param) expression()   {}
func (*Path) expression()    {}
func (*Binary) expression()  {}
func (*Not) expression()     {}
func (*Between) expression() {}
func (*In) expression()      {}
func (*Is) expression()      {}
func (*Call) expression()    {}
func (*Map) expression()     {}
func (*List) expression()    {}
func (*Bag) expression()     {}

// Parsed is a statement and the number of ? parameters it takes.
type Parsed struct {
	Statement
	Params int
}
