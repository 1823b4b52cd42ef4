package generate

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/google/uuid"
)

// BadKind says how a deliberately malformed event is broken (--bad).
type BadKind string

// The kinds of malformed events, drawn in turn.
const (
	BadNone         BadKind = ""
	BadNotJSON      BadKind = "not-json"      // the rendered text cut in half
	BadMissingField BadKind = "missing-field" // "type" or "timestamp" removed
	BadTimestamp    BadKind = "bad-timestamp" // a timestamp no ISO 8601 parser accepts
)

var badKinds = [...]BadKind{BadNotJSON, BadMissingField, BadTimestamp}

// Event is one generated event and the Kinesis partition key it is sent with.
type Event struct {
	Seq          int64     // 0, 1, 2, ... in generation order
	ID           string    // the event's id (a UUID), {{id}} in templates
	Type         string    // the type chosen by {{type}}; empty if the template has none
	Time         time.Time // event time written by {{timestamp}} (UTC)
	Late         bool      // Time was moved into the past (--late)
	Bad          BadKind   // how the record is malformed (--bad); BadNone if it is well formed
	PartitionKey string
	Data         []byte // the record's bytes
}

// Generator renders events from a template. Given a seed, the sequence of
// ids, types, choices, late and bad events is reproducible; only the clock
// varies. A Generator is not safe for concurrent use.
type Generator struct {
	rng      *rand.Rand
	types    Weighted
	late     float64
	lateMin  time.Duration
	lateMax  time.Duration
	bad      float64
	key      partitionKeyRule
	now      func() time.Time
	render   *renderer
	seq      int64
	badCount int64
	cache    map[string]Weighted
}

// NewGenerator builds a generator from the template, distribution and key
// options of o (Template, Types, Late, LateBy, Bad, Seed, PartitionKey, Now).
func NewGenerator(o Options) (*Generator, error) {
	text, err := LoadTemplate(o.Template)
	if err != nil {
		return nil, err
	}
	return newGenerator(o, text)
}

func newGenerator(o Options, text string) (*Generator, error) {
	if o.Late < 0 || o.Late > 1 {
		return nil, fmt.Errorf("invalid --late %v: give a fraction between 0 and 1, e.g. 0.05", o.Late)
	}
	if o.Bad < 0 || o.Bad > 1 {
		return nil, fmt.Errorf("invalid --bad %v: give a fraction between 0 and 1, e.g. 0.01", o.Bad)
	}
	g := &Generator{late: o.Late, bad: o.Bad, now: o.Now, cache: map[string]Weighted{}}
	seed := uint64(o.Seed)
	if o.Seed == 0 {
		seed = rand.Uint64()
	}
	g.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if g.now == nil {
		g.now = time.Now
	}
	g.lateMin, g.lateMax = time.Minute, o.LateBy
	if g.lateMax <= 0 {
		g.lateMax = DefaultLateBy
	}
	if g.lateMax < g.lateMin {
		g.lateMin = g.lateMax
	}
	if o.Types != "" {
		w, err := ParseWeights(o.Types)
		if err != nil {
			return nil, fmt.Errorf("--types: %w", err)
		}
		g.types = w
	}
	var err error
	if g.key, err = parsePartitionKey(o.PartitionKey); err != nil {
		return nil, err
	}
	name := o.Template
	if name == "" {
		name = DefaultTemplate
	}
	if g.render, err = newRenderer(name, text, g); err != nil {
		return nil, err
	}
	if err := g.trial(name, text); err != nil {
		return nil, err
	}
	return g, nil
}

// trial renders one event on a copy of g with its own randomness, so that a
// template that cannot render (a field events do not have) is refused
// before anything is sent, and g's sequence stays what its seed makes it.
func (g *Generator) trial(name, text string) error {
	t := *g
	t.rng = rand.New(rand.NewPCG(1, 2))
	t.cache = map[string]Weighted{}
	var err error
	if t.render, err = newRenderer(name, text, &t); err != nil {
		return err
	}
	if _, err := t.Next(); err != nil {
		return fmt.Errorf("%w; a template has {{.Seq}}, {{.ID}} and {{.Type}} and the functions of docs/generate-events.md", err)
	}
	return nil
}

// weighted parses template arguments once per distinct list, keeping at
// most maxWeightedCache lists: arguments that change with every event
// ({{choice (printf "order-%d" seq) ...}}) would otherwise grow the cache
// for as long as the run lasts.
func (g *Generator) weighted(values []string) (Weighted, error) {
	key := strings.Join(values, "\x00")
	if w, ok := g.cache[key]; ok {
		return w, nil
	}
	w, err := newWeighted(values, false)
	if err != nil {
		return Weighted{}, err
	}
	if len(g.cache) < maxWeightedCache {
		g.cache[key] = w
	}
	return w, nil
}

// maxWeightedCache bounds the lists weighted keeps parsed.
const maxWeightedCache = 1024

// Next renders the next event.
func (g *Generator) Next() (*Event, error) {
	st := &eventState{g: g, id: newUUID(g.rng), time: g.now().UTC(), seq: g.seq}
	ev := &Event{Seq: g.seq, ID: st.id}
	g.seq++
	// Draw lateness and badness first so the rest of the sequence does not
	// depend on the template's output.
	if g.late > 0 && g.rng.Float64() < g.late {
		span := g.lateMax - g.lateMin
		back := g.lateMin
		if span > 0 {
			back += time.Duration(g.rng.Int64N(int64(span)))
		}
		st.time = st.time.Add(-back)
		ev.Late = true
	}
	if g.bad > 0 && g.rng.Float64() < g.bad {
		st.bad = badKinds[g.badCount%int64(len(badKinds))]
		g.badCount++
	}
	data, err := g.render.render(st)
	if err != nil {
		return nil, err
	}
	ev.Type, ev.Time, ev.Bad = st.typ, st.time, st.bad
	switch st.bad {
	case BadNotJSON:
		data = cut(data)
	case BadMissingField:
		if stripped, ok := removeField(data, ev.Seq); ok {
			data = stripped
		} else {
			ev.Bad = BadNotJSON
			data = cut(data)
		}
	}
	ev.Data = data
	ev.PartitionKey = g.key.keyFor(ev, g.rng)
	return ev, nil
}

// cut breaks a record: JSON cut in half; a line that is not JSON (an access
// log's) inside its bracketed time, since the first half of such a line may
// well be a shorter line of the same format.
func cut(data []byte) []byte {
	if len(data) > 0 && data[0] != '{' {
		if i := bytes.IndexByte(data, ']'); i > 0 {
			return data[:i]
		}
	}
	return data[:len(data)/2]
}

// removeField drops "type" or "timestamp" (alternately) from a JSON object.
// Key order is not kept; a malformed record need not look like the others.
func removeField(data []byte, seq int64) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || len(obj) == 0 {
		return nil, false
	}
	candidates := []string{"type", "timestamp"}
	if seq%2 == 1 {
		candidates[0], candidates[1] = candidates[1], candidates[0]
	}
	removed := false
	for _, k := range candidates {
		if _, ok := obj[k]; ok {
			delete(obj, k)
			removed = true
			break
		}
	}
	if !removed && len(obj) > 0 {
		// A field chosen by the event's number, not by map order, so that
		// a seed makes these events too.
		keys := slices.Sorted(maps.Keys(obj))
		delete(obj, keys[seq%int64(len(keys))])
	}
	out, err := json.Marshal(obj)
	return out, err == nil
}

// newUUID draws a version 4 UUID from rng, so a seed fixes the ids.
func newUUID(rng *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], rng.Uint64())
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// partitionKeyRule is the parsed --partition-key.
type partitionKeyRule struct {
	kind  string // "id", "type", "random", "field", "fixed"
	value string // field name or fixed key
}

func parsePartitionKey(s string) (partitionKeyRule, error) {
	switch s {
	case "", "id":
		return partitionKeyRule{kind: "id"}, nil
	case "type", "random":
		return partitionKeyRule{kind: s}, nil
	}
	if f, ok := strings.CutPrefix(s, "field:"); ok && f != "" {
		return partitionKeyRule{kind: "field", value: f}, nil
	}
	if v, ok := strings.CutPrefix(s, "fixed:"); ok && v != "" {
		if javaLen(v) > maxPartitionKeyLen {
			return partitionKeyRule{}, fmt.Errorf("invalid --partition-key: the fixed key is longer than %d characters", maxPartitionKeyLen)
		}
		return partitionKeyRule{kind: "fixed", value: v}, nil
	}
	return partitionKeyRule{}, fmt.Errorf("invalid --partition-key %q: use id, type, random, field:NAME or fixed:VALUE", s)
}

// maxPartitionKeyLen is Kinesis's limit, in UTF-16 code units (a Java
// string's length: a character outside the BMP counts twice).
const maxPartitionKeyLen = 256

// javaLen is s's length as Kinesis counts it.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutToJavaLen is the longest prefix of s, whole characters, of at most
// max UTF-16 code units.
func cutToJavaLen(s string, max int) string {
	n := 0
	for i, r := range s {
		if n+utf16.RuneLen(r) > max {
			return s[:i]
		}
		n += utf16.RuneLen(r)
	}
	return s
}

func (k partitionKeyRule) keyFor(ev *Event, rng *rand.Rand) string {
	var key string
	switch k.kind {
	case "type":
		key = ev.Type
	case "random":
		key = newUUID(rng)
	case "fixed":
		key = k.value
	case "field":
		key = jsonField(ev.Data, k.value)
	}
	if key == "" { // no such field, a malformed event, or "id"
		return ev.ID
	}
	return cutToJavaLen(key, maxPartitionKeyLen)
}

// jsonField returns a top-level field of a JSON object as text: a string's
// value, or the raw JSON of any other value.
func jsonField(data []byte, name string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	raw, ok := obj[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
