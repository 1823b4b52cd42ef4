package attr

import (
	"encoding/binary"
	"errors"
	"sort"
)

// The storage encoding of an item: a compact binary form that is cheaper to
// decode than JSON. Each value is a kind byte followed by its payload;
// strings and byte slices are length-prefixed with uvarints.

// errCorrupt reports stored bytes that do not decode.
var errCorrupt = errors.New("attr: corrupt stored item")

// AppendItem appends the storage encoding of it to b.
func AppendItem(b []byte, it Item) []byte {
	b = binary.AppendUvarint(b, uint64(len(it)))
	for k, v := range it {
		b = appendBytes(b, k)
		b = appendValue(b, v)
	}
	return b
}

func appendBytes[T string | []byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v Value) []byte {
	b = append(b, byte(v.Kind))
	switch v.Kind {
	case S, N:
		b = appendBytes(b, v.Str)
	case B:
		b = appendBytes(b, v.Bin)
	case BOOL:
		if v.Bool {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case M:
		b = AppendItem(b, v.Map)
	case L:
		b = binary.AppendUvarint(b, uint64(len(v.List)))
		for _, x := range v.List {
			b = appendValue(b, x)
		}
	case SS, NS:
		b = binary.AppendUvarint(b, uint64(len(v.Strs)))
		for _, x := range v.Strs {
			b = appendBytes(b, x)
		}
	case BS:
		b = binary.AppendUvarint(b, uint64(len(v.Bins)))
		for _, x := range v.Bins {
			b = appendBytes(b, x)
		}
	}
	return b
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() int {
	n, size := binary.Uvarint(r.b)
	if size <= 0 || n > uint64(len(r.b)) {
		r.err = errCorrupt
		r.b = nil
		return 0
	}
	r.b = r.b[size:]
	return int(n)
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > len(r.b) {
		r.err = errCorrupt
		r.b = nil
		return nil
	}
	x := r.b[:n:n]
	r.b = r.b[n:]
	return x
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errCorrupt
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// DecodeItem decodes the storage encoding. The result does not alias b.
func DecodeItem(b []byte) (Item, error) {
	r := &reader{b: b}
	it := r.item()
	return it, r.err
}

func (r *reader) item() Item {
	n := r.uvarint()
	it := make(Item, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := string(r.bytes())
		it[k] = r.value()
	}
	return it
}

func (r *reader) value() Value {
	v := Value{Kind: Kind(r.byte())}
	switch v.Kind {
	case S, N:
		v.Str = string(r.bytes())
	case B:
		v.Bin = append([]byte{}, r.bytes()...)
	case BOOL:
		v.Bool = r.byte() == 1
	case NULL:
	case M:
		v.Map = r.item()
	case L:
		n := r.uvarint()
		v.List = make([]Value, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			v.List = append(v.List, r.value())
		}
	case SS, NS:
		n := r.uvarint()
		v.Strs = make([]string, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			v.Strs = append(v.Strs, string(r.bytes()))
		}
	case BS:
		n := r.uvarint()
		v.Bins = make([][]byte, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			v.Bins = append(v.Bins, append([]byte{}, r.bytes()...))
		}
	default:
		r.err = errCorrupt
	}
	return v
}

// Size is the size DynamoDB counts for a value: UTF-8 bytes for strings,
// raw bytes for binaries, about half the digits for numbers, one byte for
// BOOL and NULL, three bytes plus one per element for maps and lists.
func (v Value) Size() int {
	switch v.Kind {
	case S:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case B:
		return len(v.Bin)
	case BOOL, NULL:
		return 1
	case M:
		n := 3
		for k, x := range v.Map {
			n += 1 + len(k) + x.Size()
		}
		return n
	case L:
		n := 3
		for _, x := range v.List {
			n += 1 + x.Size()
		}
		return n
	case SS:
		n := 0
		for _, x := range v.Strs {
			n += len(x)
		}
		return n
	case NS:
		n := 0
		for _, x := range v.Strs {
			n += numberSize(x)
		}
		return n
	case BS:
		n := 0
		for _, x := range v.Bins {
			n += len(x)
		}
		return n
	}
	return 0
}

// Size is the item size DynamoDB limits to 400 KB: the UTF-8 length of each
// attribute name plus the size of its value.
func (it Item) Size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.Size()
	}
	return n
}

// KeyBytes is the raw bytes of a key value: the UTF-8 bytes of an S, the
// bytes of a B and the canonical text of an N.
func KeyBytes(v Value) []byte {
	if v.Kind == B {
		return v.Bin
	}
	return []byte(v.Str)
}

// AppendOrdered appends an encoding of a scalar key value whose byte order
// is DynamoDB's order for the type: bytes for S and B, numeric for N.
func AppendOrdered(b []byte, v Value) []byte {
	switch v.Kind {
	case S:
		return append(b, v.Str...)
	case B:
		return append(b, v.Bin...)
	case N:
		return appendOrderedNumber(b, v.Str)
	}
	return b
}

// appendOrderedNumber encodes a number as sign, biased adjusted exponent and
// digits; negative numbers have everything inverted and a 0xff terminator
// so that a shorter digit string sorts after a longer one.
func appendOrderedNumber(b []byte, s string) []byte {
	d := decimal(s)
	if d.IsZero() {
		return append(b, 0x01)
	}
	var r = *d
	r.Reduce(d)
	digits := r.Coeff.String()
	adjusted := int(r.Exponent) + len(digits) - 1
	e := uint16(adjusted + 1000)
	if !r.Negative {
		b = append(b, 0x02, byte(e>>8), byte(e))
		return append(b, digits...)
	}
	b = append(b, 0x00, ^byte(e>>8), ^byte(e))
	for i := 0; i < len(digits); i++ {
		b = append(b, ^digits[i])
	}
	return append(b, 0xff)
}

// SortedKeys returns an item's attribute names in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// AppendStoredJSON appends the JSON form of an item in storage encoding,
// without building it in memory, and returns the item's Size.
func AppendStoredJSON(b []byte, stored []byte) ([]byte, int, error) {
	r := &reader{b: stored}
	size := 0
	b = r.itemJSON(b, &size, 0)
	return b, size, r.err
}

// StoredSize is the Size of an item in storage encoding, counting only the
// attributes named in keep (every one when keep is nil), without building
// the item in memory.
func StoredSize(stored []byte, keep []string) (int, error) {
	r := reader{b: stored}
	size := 0
	n := r.uvarint()
	for i := 0; i < n && r.err == nil; i++ {
		k := r.bytes()
		attrSize := len(k) + r.valueSize()
		if keep == nil || containsName(keep, k) {
			size += attrSize
		}
	}
	return size, r.err
}

// valueSize reads a value and returns its Size, as valueJSON counts it.
func (r *reader) valueSize() int {
	k := Kind(r.byte())
	switch k {
	case S, B:
		return len(r.bytes())
	case N:
		return numberSize(r.bytes())
	case BOOL:
		r.byte()
		return 1
	case NULL:
		return 1
	case M:
		size := 3
		n := r.uvarint()
		for i := 0; i < n && r.err == nil; i++ {
			size += 1 + len(r.bytes()) + r.valueSize()
		}
		return size
	case L:
		size := 3
		n := r.uvarint()
		for i := 0; i < n && r.err == nil; i++ {
			size += 1 + r.valueSize()
		}
		return size
	case SS, NS, BS:
		size := 0
		n := r.uvarint()
		for i := 0; i < n && r.err == nil; i++ {
			if x := r.bytes(); k == NS {
				size += numberSize(x)
			} else {
				size += len(x)
			}
		}
		return size
	}
	r.err = errCorrupt
	return 0
}

func containsName(names []string, k []byte) bool {
	for _, name := range names {
		if name == string(k) {
			return true
		}
	}
	return false
}

// itemJSON transcodes an item, or a map value when perEntry is 1: DynamoDB
// counts one extra byte for each entry of a map.
func (r *reader) itemJSON(b []byte, size *int, perEntry int) []byte {
	n := r.uvarint()
	b = append(b, '{')
	for i := 0; i < n && r.err == nil; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		k := r.bytes()
		*size += perEntry + len(k)
		b = AppendString(b, k)
		b = append(b, ':')
		b = r.valueJSON(b, size)
	}
	return append(b, '}')
}

// jsonOpening is what a value's JSON starts with, by kind: {"S":
var jsonOpening = func() (o [BS + 1]string) {
	for k := range o {
		o[k] = `{"` + Kind(k).String() + `":`
	}
	return o
}()

func (r *reader) valueJSON(b []byte, size *int) []byte {
	k := Kind(r.byte())
	if r.err != nil || k == Invalid || k > BS {
		r.err = errCorrupt
		return b
	}
	b = append(b, jsonOpening[k]...)
	switch k {
	case S:
		s := r.bytes()
		*size += len(s)
		b = AppendString(b, s)
	case N:
		s := r.bytes()
		*size += numberSize(s)
		b = AppendString(b, s)
	case B:
		x := r.bytes()
		*size += len(x)
		b = appendBase64(b, x)
	case BOOL:
		*size++
		if r.byte() == 1 {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	case NULL:
		*size++
		b = append(b, "true"...)
	case M:
		inner := 0
		b = r.itemJSON(b, &inner, 1)
		*size += 3 + inner
	case L:
		n := r.uvarint()
		*size += 3
		b = append(b, '[')
		for i := 0; i < n && r.err == nil; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			*size++
			b = r.valueJSON(b, size)
		}
		b = append(b, ']')
	case SS, NS, BS:
		n := r.uvarint()
		b = append(b, '[')
		for i := 0; i < n && r.err == nil; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			x := r.bytes()
			switch k {
			case SS:
				*size += len(x)
				b = AppendString(b, x)
			case NS:
				*size += numberSize(x)
				b = AppendString(b, x)
			default:
				*size += len(x)
				b = appendBase64(b, x)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
