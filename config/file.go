package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gurkankaymak/hocon"
	"go.yaml.in/yaml/v3"

	"github.com/spk-cli/spk/stream/view"
)

// Format is the syntax of a configuration file.
type Format string

// The formats spk reads.
const (
	YAML  Format = "yaml"
	HOCON Format = "hocon"
)

// fileValue is one leaf read from a configuration file.
type fileValue struct {
	text   string // the value as text, ready for Key.parse
	line   int    // 1-based line, 0 when unknown
	scalar bool   // false for maps and lists, which no key accepts
	from   string // the key as written in the file, when it differs from spk's name
}

// fileContents is what a configuration file said.
type fileContents struct {
	path    string
	format  Format
	values  map[string]fileValue
	ignored []Ignored
	views   []view.Definition // the views: list of spk.yaml
}

// Ignored is a key of the tutorial's HOCON file that spk reads but does not use.
type Ignored struct {
	Key    string `json:"key" yaml:"key"`
	Value  string `json:"value" yaml:"value"`
	Reason string `json:"reason" yaml:"reason"`
}

// readFile parses a spk.yaml or the tutorial's HOCON file.
func readFile(path string) (*fileContents, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: path, Msg: "file not found", Hint: "check the path given to --config or SPK_CONFIG, or create one with: spk config init"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	switch DetectFormat(path, data) {
	case HOCON:
		return readHOCON(path, data)
	default:
		return readYAML(path, data)
	}
}

// DetectFormat is the syntax spk reads a configuration file of that name
// and content in. It trusts a YAML or JSON extension and otherwise sniffs:
// the tutorial's file is called config.hocon.sample.
func DetectFormat(path string, data []byte) Format {
	base := strings.ToLower(filepath.Base(path))
	switch filepath.Ext(base) {
	case ".yaml", ".yml", ".json":
		return YAML
	case ".conf", ".hocon":
		return HOCON
	}
	if strings.Contains(base, ".hocon") || strings.Contains(base, ".conf") {
		return HOCON
	}
	// Any other name: YAML when it parses as a YAML mapping (spk.yaml's
	// shape), else HOCON. A one-line HOCON file (kinesis.streamName = "s")
	// parses as a YAML scalar, and `kinesis { … }` as a YAML string too.
	var probe yaml.Node
	if yaml.Unmarshal(data, &probe) == nil && (len(probe.Content) == 0 || probe.Content[0].Kind == yaml.MappingNode) {
		return YAML
	}
	return HOCON
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func readYAML(path string, data []byte) (*fileContents, error) {
	fc := &fileContents{path: path, format: YAML, values: map[string]fileValue{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
			msg = strings.TrimPrefix(msg, ": ")
		}
		return nil, &Error{File: path, Line: line, Msg: "not valid YAML: " + msg, Hint: "fix the syntax, or compare with the sample from: spk config init"}
	}
	if len(doc.Content) == 0 {
		return fc, nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: root.Line, Msg: "expected a mapping of keys to values at the top level"}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, v := root.Content[i], root.Content[i+1]; k.Value == "views" {
			views, err := readViews(path, k, v)
			if err != nil {
				return nil, err
			}
			fc.views = views
			root.Content = append(root.Content[:i:i], root.Content[i+2:]...)
			break
		}
	}
	// yaml.Unmarshal reads the first document only: a second one would be
	// ignored without a word.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) == nil && dec.Decode(&second) == nil && hasContent(&second) {
		return nil, &Error{File: path, Line: second.Line, Msg: "a second YAML document (after ---): spk reads one", Hint: "put every key in one document"}
	}
	if err := flattenYAML(path, root, "", fc.values); err != nil {
		return nil, err
	}
	return fc, nil
}

// maxViewNodes bounds the values one view expands to through aliases: a
// few lines of aliases of aliases can name billions ("billion laughs").
const maxViewNodes = 10000

// resolveAliases is a copy of n with each alias replaced by a copy of what
// it names. depth bounds alias chains (a document cannot loop, but it can
// nest deeply); budget counts the nodes copied, and goes below zero when
// there are too many.
func resolveAliases(n *yaml.Node, depth int, budget *int) *yaml.Node {
	if *budget--; n == nil || depth > 100 || *budget < 0 {
		return n
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return resolveAliases(n.Alias, depth+1, budget)
	}
	c := *n
	c.Anchor = ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = resolveAliases(child, depth+1, budget)
			if *budget < 0 {
				return &c
			}
		}
	}
	return &c
}

// readViews decodes the views: list, refusing keys a view does not have so
// that a typo is not silently ignored.
func readViews(path string, k, v *yaml.Node) ([]view.Definition, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, &Error{File: path, Line: k.Line, Key: "views", Msg: "expected a list of views", Hint: "see docs/views.md for the form of a view"}
	}
	var out []view.Definition
	for _, item := range v.Content {
		// Marshalled alone, the item would lose the anchors its aliases
		// name (window: *w): they are put in place first.
		budget := maxViewNodes
		resolved := resolveAliases(item, 0, &budget)
		if budget < 0 {
			return nil, &Error{File: path, Line: item.Line, Key: "views", Msg: fmt.Sprintf("the view's aliases expand past %d values", maxViewNodes),
				Hint: "write the view out, or alias smaller parts of it"}
		}
		text, err := yaml.Marshal(resolved)
		if err != nil {
			return nil, &Error{File: path, Line: item.Line, Key: "views", Msg: err.Error()}
		}
		dec := yaml.NewDecoder(bytes.NewReader(text))
		dec.KnownFields(true)
		var d view.Definition
		if err := dec.Decode(&d); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
			msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
			msg = strings.TrimPrefix(msg, ": ")
			line := item.Line
			if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
				if k := findKey(item, m[1]); k != nil {
					line = k.Line // the misspelt key's own line, not its view's
				}
				msg = "unknown key " + strconv.Quote(m[1]) // not the Go type's name
			}
			return nil, &Error{File: path, Line: line, Key: "views", Msg: msg,
				Hint: "a view has name, table, where, group_by, window (size, slide) and metrics: see docs/views.md"}
		}
		out = append(out, d)
	}
	return out, nil
}

// unknownFieldRE finds the key a strict decode did not know.
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type`)

// findKey is the first mapping key named name in n or below it.
func findKey(n *yaml.Node, name string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i]
			}
		}
	}
	for _, c := range n.Content {
		if k := findKey(c, name); k != nil {
			return k
		}
	}
	return nil
}

// hasContent reports whether a YAML document sets anything: an empty one
// (--- at the end, or followed by comments only) does not.
func hasContent(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return false
	}
	n := doc.Content[0]
	return !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// flattenYAML collects the leaves of n under their dotted names, refusing
// a key set twice (YAML forbids it; yaml.v3 checks it only when decoding
// into a map, and the last would silently win).
func flattenYAML(path string, n *yaml.Node, prefix string, out map[string]fileValue) error {
	siblings := map[string]int{} // key -> line, in this mapping
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if line, ok := siblings[k.Value]; ok {
			name := k.Value
			if prefix != "" {
				name = prefix + "." + k.Value
			}
			return &Error{File: path, Line: k.Line, Key: name, Msg: fmt.Sprintf("set again; it was set at line %d", line), Hint: "keep one of the two"}
		}
		siblings[k.Value] = k.Line
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias // name: *anchor takes the anchored value
		}
		name := k.Value
		if prefix != "" {
			name = prefix + "." + k.Value
		}
		if first, ok := out[name]; ok {
			return &Error{File: path, Line: k.Line, Key: name, Msg: fmt.Sprintf("set again; it was set at line %d", first.line), Hint: "keep one of the two"}
		}
		// A map under a known leaf is a type error, reported by the loader;
		// a map under a section is descended.
		if v.Kind == yaml.MappingNode {
			if _, leaf := KeyByName(name); !leaf {
				if err := flattenYAML(path, v, name, out); err != nil {
					return err
				}
				continue
			}
		}
		fv := fileValue{line: k.Line, scalar: v.Kind == yaml.ScalarNode}
		if key, ok := KeyByName(name); ok && key.List && v.Kind == yaml.SequenceNode {
			// A list key takes a YAML list of scalars, as a comma list.
			var items []string
			fv.scalar = true
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					fv.scalar = false
				}
				items = append(items, it.Value)
			}
			fv.text = strings.Join(items, ",")
			out[name] = fv
			continue
		}
		if fv.scalar && v.Tag != "!!null" {
			fv.text = v.Value
		}
		out[name] = fv
	}
	return nil
}

// hoconKeys maps the tutorial's config.hocon.sample keys onto spk's, with the
// conversion each needs (the tutorial used plain numbers with implied units).
var hoconKeys = map[string]struct {
	key     string
	convert func(hocon.Value) (string, error)
}{
	"kinesis.streamName":       {"stream.name", hoconString},
	"kinesis.region":           {"aws.region", hoconString},
	"spark.appName":            {"app", hoconString},
	"spark.checkpointInterval": {"run.checkpoint_interval", hoconNumberAs(time.Second, "seconds")},
	"spark.batchInterval":      {"run.batch_interval", hoconNumberAs(time.Millisecond, "milliseconds")},
	"dynamodb.tableName":       {"table.name", hoconString},
	"aws.awsProfile":           {"aws.profile", hoconString},
}

// hoconIgnored are tutorial keys that have no meaning in spk, with the reason.
var hoconIgnored = map[string]string{
	"spark.master": "spk has no Spark cluster: the consumer is embedded in spk run, and you scale it by running more spk run workers",
}

func hoconString(v hocon.Value) (string, error) {
	switch v.Type() {
	case hocon.StringType, hocon.NumberType, hocon.BooleanType:
		return unquote(v.String()), nil
	}
	return "", fmt.Errorf("expected a string")
}

func hoconNumberAs(unit time.Duration, unitName string) func(hocon.Value) (string, error) {
	return func(v hocon.Value) (string, error) {
		if d, ok := v.(hocon.Duration); ok {
			return time.Duration(d).String(), nil
		}
		n, err := strconv.ParseFloat(unquote(v.String()), 64)
		// NaN, infinities and numbers past time.Duration's range too.
		if err != nil || !(n > 0) || n*float64(unit) >= math.MaxInt64 {
			return "", fmt.Errorf("expected a positive number of %s, got %s", unitName, v.String())
		}
		return time.Duration(n * float64(unit)).String(), nil
	}
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// hoconInclude finds an include statement.
var hoconInclude = regexp.MustCompile(`(?m)^\s*include\s`)

func readHOCON(path string, data []byte) (*fileContents, error) {
	fc := &fileContents{path: path, format: HOCON, values: map[string]fileValue{}}
	// The HOCON parser reads a comment ended by CRLF (Windows' editors, Git
	// for Windows' checkouts) to the end of the file, dropping every key
	// after it without a word; lines stay where they were.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	// The HOCON parser resolves an include against the working directory,
	// not the including file, and drops one it cannot find without a word:
	// refused, rather than a file read differently from every directory.
	if loc := hoconInclude.FindIndex(data); loc != nil {
		return nil, &Error{File: path, Line: bytes.Count(data[:loc[0]], []byte("\n")) + 1, Msg: "include is not supported", Hint: "put the included keys in this file"}
	}
	parsed, err := hocon.ParseString(string(data))
	if err != nil {
		var pe *hocon.ParseError
		msg := err.Error()
		line := 0
		if errors.As(err, &pe) {
			if m := regexp.MustCompile(`at: (\d+):\d+, `).FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.Replace(msg, m[0], ": ", 1)
			}
		}
		return nil, &Error{File: path, Line: line, Msg: "not valid HOCON: " + msg, Hint: "fix the syntax, or use a spk.yaml (spk config init writes one)"}
	}
	root, ok := parsed.GetRoot().(hocon.Object)
	if !ok {
		return fc, nil
	}
	leaves := map[string]hocon.Value{}
	flattenHOCON(root, "", leaves)
	names := make([]string, 0, len(leaves))
	for name := range leaves {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := leaves[name]
		line := lineOfKey(data, name)
		if reason, ok := hoconIgnored[name]; ok {
			fc.ignored = append(fc.ignored, Ignored{Key: name, Value: unquote(v.String()), Reason: reason})
			continue
		}
		if m, ok := hoconKeys[name]; ok {
			text, err := m.convert(v)
			if err != nil {
				return nil, &Error{File: path, Line: line, Key: name, Msg: err.Error()}
			}
			fc.values[m.key] = fileValue{text: text, line: line, scalar: true, from: name}
			continue
		}
		// spk's own key names are accepted in HOCON syntax too.
		fc.values[name] = fileValue{text: unquote(v.String()), line: line, scalar: v.Type() != hocon.ArrayType}
	}
	return fc, nil
}

func flattenHOCON(o hocon.Object, prefix string, out map[string]hocon.Value) {
	for k, v := range o {
		if v == nil {
			continue // an optional substitution ${?X} of nothing: unset
		}
		name := unquote(k)
		if prefix != "" {
			name = prefix + "." + name
		}
		if sub, ok := v.(hocon.Object); ok {
			if _, leaf := KeyByName(name); !leaf {
				flattenHOCON(sub, name, out)
				continue
			}
		}
		out[name] = v
	}
}

// hoconKeyLine is a line that opens an object (name {) or sets a key
// (name = value, name: value); the name may be dotted or quoted.
var hoconKeyLine = regexp.MustCompile(`^\s*("[^"]*"|[A-Za-z0-9_.\-]+)\s*(?:([:=])?\s*(\{)|[:=])`)

// lineOfKey finds the line that sets a dotted key, for error messages (the
// HOCON parser does not keep positions): it follows the objects the lines
// open and close, so "name" inside table { } is not taken for stream's,
// and a dotted key (spark.batchInterval = …) is found too. Failing that,
// the first line setting the key's last element.
func lineOfKey(data []byte, dotted string) int {
	var stack []string
	lines := bytes.Split(data, []byte("\n"))
	for i, l := range lines {
		if m := hoconKeyLine.FindSubmatch(l); m != nil {
			path := append(append([]string(nil), stack...), unquote(string(m[1])))
			full := strings.Join(path, ".")
			if m[3] != nil { // an object opens
				stack = path
				if bytes.Contains(l[len(m[0]):], []byte("}")) {
					stack = stack[:len(stack)-1] // opened and closed on one line
				}
				continue
			}
			if full == dotted {
				return i + 1
			}
			continue
		}
		if n := bytes.Count(l, []byte("}")); n > 0 {
			stack = stack[:max(0, len(stack)-n)]
		}
	}
	parts := strings.Split(dotted, ".")
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(parts[len(parts)-1]) + `"?\s*[:=]`)
	for i, l := range lines {
		if re.Match(l) {
			return i + 1
		}
	}
	return 0
}

// knownHOCONKeys lists the tutorial keys spk understands, for error hints.
func knownHOCONKeys() string {
	names := make([]string, 0, len(hoconKeys)+len(hoconIgnored))
	for k := range hoconKeys {
		names = append(names, k)
	}
	for k := range hoconIgnored {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
