package generate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/spk-cli/spk/templates"
)

// TutorialTimeLayout is how the tutorial's Python generator wrote timestamps:
// ISO 8601 with microseconds and no zone (the time is UTC).
const TutorialTimeLayout = "2006-01-02T15:04:05.000000"

// DefaultTemplate is the built-in template used when none is named: the
// tutorial's event.
const DefaultTemplate = "simple"

// Builtins lists the names of the built-in templates, sorted.
func Builtins() []string {
	entries, err := fs.ReadDir(templates.Events, "events")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".tmpl"); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// LoadTemplate returns the text of a template: a built-in by name, or a file
// by path. A name containing a path separator or ending in .tmpl is always
// read as a file.
func LoadTemplate(nameOrPath string) (text string, err error) {
	if nameOrPath == "" {
		nameOrPath = DefaultTemplate
	}
	if !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".tmpl") {
		b, err := fs.ReadFile(templates.Events, path.Join("events", nameOrPath+".tmpl"))
		if err == nil {
			return string(b), nil
		}
		if _, statErr := os.Stat(nameOrPath); statErr != nil {
			return "", fmt.Errorf("unknown event template %q: use one of %s, or the path of a template file",
				nameOrPath, strings.Join(Builtins(), ", "))
		}
	}
	b, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("event template file %q does not exist: give a built-in name (%s) or an existing file",
				nameOrPath, strings.Join(Builtins(), ", "))
		}
		return "", fmt.Errorf("read event template: %w", err)
	}
	// A byte order mark, which Windows editors write, would begin every
	// record, and a JSON event that begins with one is no JSON to spk run.
	return strings.TrimPrefix(string(b), "\ufeff"), nil
}

// renderer renders one template for a sequence of events. Its functions read
// the event being rendered, so it is not safe for concurrent use.
type renderer struct {
	tmpl *template.Template
	cur  *eventState
	buf  bytes.Buffer
}

// eventState is what the template functions of one event see and decide.
type eventState struct {
	g          *Generator
	id         string
	typ        string
	typeChosen bool
	time       time.Time
	bad        BadKind
	seq        int64
}

func newRenderer(name, text string, g *Generator) (*renderer, error) {
	r := &renderer{}
	st := func() *eventState { return r.cur }
	funcs := template.FuncMap{
		"timestamp": func() string { return st().formatTime(TutorialTimeLayout) },
		"time":      func(layout string) string { return st().formatTime(layout) },
		"unix": func() any {
			if st().bad == BadTimestamp {
				return badTimeText(st().seq)
			}
			return st().time.Unix()
		},
		"unixMilli": func() any {
			if st().bad == BadTimestamp {
				return badTimeText(st().seq)
			}
			return st().time.UnixMilli()
		},
		"id":   func() string { return st().id },
		"uuid": func() string { return newUUID(g.rng) },
		"seq":  func() int64 { return st().seq },
		"type": func(values ...string) (string, error) { return st().chooseType(values) },
		"choice": func(values ...string) (string, error) {
			w, err := g.weighted(values)
			if err != nil {
				return "", fmt.Errorf("choice: %w", err)
			}
			return w.Pick(g.rng), nil
		},
		"int": func(lo, hi int) (int, error) {
			if hi < lo {
				return 0, fmt.Errorf("int %d %d: the maximum is below the minimum", lo, hi)
			}
			// In unsigned arithmetic, so that the whole range of int is
			// a range too (hi-lo+1 overflowed).
			span := uint64(hi) - uint64(lo) + 1
			if span == 0 {
				return int(g.rng.Uint64()), nil
			}
			return lo + int(g.rng.Uint64N(span)), nil
		},
		"float": func(lo, hi float64) (float64, error) {
			if hi < lo {
				return 0, fmt.Errorf("float %g %g: the maximum is below the minimum", lo, hi)
			}
			// Each end weighed on its own: hi-lo overflows for ends near
			// the largest float, and the event said +Inf.
			r := g.rng.Float64()
			return lo*(1-r) + hi*r, nil
		},
		"ip": func() string {
			// Avoid 0.x and 255.x so addresses look ordinary.
			return fmt.Sprintf("%d.%d.%d.%d", 1+g.rng.IntN(223), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))
		},
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(trimFinalNewline(text))
	if err != nil {
		return nil, fmt.Errorf("parse event template: %w", err)
	}
	r.tmpl = t
	return r, nil
}

func (r *renderer) render(st *eventState) ([]byte, error) {
	r.cur = st
	r.buf.Reset()
	if err := r.tmpl.Execute(&r.buf, st); err != nil {
		return nil, fmt.Errorf("render event template: %w", err)
	}
	// Never nil: an event may be empty (Kinesis takes empty data), and the
	// SDK refuses a nil Data before it sends anything.
	return append([]byte{}, r.buf.Bytes()...), nil
}

// Seq, ID and Type are also reachable as {{.Seq}}, {{.ID}} and {{.Type}}.
func (s *eventState) Seq() int64 { return s.seq }

// ID is the event's id.
func (s *eventState) ID() string { return s.id }

// Type is the event's type, as chosen by the template's type function.
func (s *eventState) Type() string { return s.typ }

func (s *eventState) formatTime(layout string) string {
	if s.bad == BadTimestamp {
		return badTimeText(s.seq)
	}
	return s.time.Format(layout)
}

// badTimeText gives timestamps no ISO 8601 parser accepts.
func badTimeText(seq int64) string {
	bad := [...]string{"2015-13-45T25:61:61.000000", "not a timestamp", "06/05/2015 12:54"}
	return bad[seq%int64(len(bad))]
}

// chooseType picks the event's type once: from the --types weights when
// given, otherwise from the template's own list.
func (s *eventState) chooseType(values []string) (string, error) {
	if s.typeChosen {
		return s.typ, nil
	}
	w := s.g.types
	if len(w.Values) == 0 {
		var err error
		if w, err = s.g.weighted(values); err != nil {
			return "", fmt.Errorf("type: %w", err)
		}
	}
	s.typ, s.typeChosen = w.Pick(s.g.rng), true
	return s.typ, nil
}

// trimFinalNewline removes the file's final line ending, one only: a
// template may end its events with a newline of its own.
func trimFinalNewline(text string) string {
	if t, ok := strings.CutSuffix(text, "\r\n"); ok {
		return t
	}
	return strings.TrimSuffix(text, "\n")
}
