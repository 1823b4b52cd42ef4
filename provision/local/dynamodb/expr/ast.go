package expr

import (
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// PathElem is one step of a document path: a map key or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c, with names already resolved.
type Path []PathElem

// NamePath is a path of a single top-level attribute.
func NamePath(name string) Path { return Path{{Name: name}} }

// String renders the path as DynamoDB's messages do: [a, b, [2]].
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.IsIndex {
			parts[i] = "[" + strconv.Itoa(e.Index) + "]"
		} else {
			parts[i] = e.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Equal reports whether two paths are the same.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// OperandKind says what an Operand is.
type OperandKind uint8

// The operand kinds.
const (
	OpPath OperandKind = iota
	OpValue
	OpSize        // size(path)
	OpIfNotExists // if_not_exists(path, operand)
	OpListAppend  // list_append(a, b)
	OpPlus        // a + b
	OpMinus       // a - b
)

// Operand is a value in an expression.
type Operand struct {
	Kind  OperandKind
	Path  Path       // OpPath
	Value attr.Value // OpValue
	Args  []*Operand // functions and arithmetic
}

// CondKind says what a Cond is.
type CondKind uint8

// The condition kinds.
const (
	CondCompare CondKind = iota // Op is = <> < <= > >=
	CondBetween
	CondIn
	CondAnd
	CondOr
	CondNot
	CondFunc // Op is the function name
	CondTrue // always true (an empty legacy condition)
)

// Cond is a boolean condition.
type Cond struct {
	Kind     CondKind
	Op       string
	Operands []*Operand
	Sub      []*Cond
}

// SetAction is one assignment of an update's SET clause.
type SetAction struct {
	Path  Path
	Value *Operand
}

// PathValue is one action of an ADD or DELETE clause.
type PathValue struct {
	Path  Path
	Value attr.Value
}

// Update is a parsed update expression.
type Update struct {
	Set     []SetAction
	Remove  []Path
	Add     []PathValue
	Delete  []PathValue
	Replace map[string]attr.Value // legacy AttributeUpdates PUT of whole attributes
	// Legacy marks an update made from AttributeUpdates, whose type
	// refusals DynamoDB words in the legacy API's terms.
	Legacy bool
}

// Paths is every path the update writes, in clause order.
func (u *Update) Paths() []Path {
	var ps []Path
	for _, s := range u.Set {
		ps = append(ps, s.Path)
	}
	ps = append(ps, u.Remove...)
	for _, a := range u.Add {
		ps = append(ps, a.Path)
	}
	for _, d := range u.Delete {
		ps = append(ps, d.Path)
	}
	for k := range u.Replace {
		ps = append(ps, NamePath(k))
	}
	return ps
}
