// Package config loads spk's configuration once, with the documented
// precedence (flags > environment > file > defaults), into a typed, validated
// Config, and remembers where each value came from.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/spk-cli/spk/stream/view"
)

// Config is spk's effective configuration.
type Config struct {
	App      string `json:"app" yaml:"app"`
	LogLevel string `json:"log_level" yaml:"log_level"`
	AWS      AWS    `json:"aws" yaml:"aws"`
	Stream   Stream `json:"stream" yaml:"stream"`
	Table    Table  `json:"table" yaml:"table"`
	Run      Run    `json:"run" yaml:"run"`
	Local    Local  `json:"local" yaml:"local"`
	// Views are the views: of spk.yaml, as written; see RunViews.
	Views []view.Definition `json:"views,omitempty" yaml:"views,omitempty"`
}

// AWS says which endpoint and credentials spk talks to.
type AWS struct {
	Profile             string `json:"profile" yaml:"profile"`
	Region              string `json:"region" yaml:"region"`
	EndpointURL         string `json:"endpoint_url" yaml:"endpoint_url"`
	KinesisEndpointURL  string `json:"kinesis_endpoint_url" yaml:"kinesis_endpoint_url"`
	DynamoDBEndpointURL string `json:"dynamodb_endpoint_url" yaml:"dynamodb_endpoint_url"`
	// EndpointFromDefault is true when EndpointURL is the built-in default,
	// which a profile (real AWS) replaces with AWS's own endpoints.
	EndpointFromDefault bool `json:"-" yaml:"-"`
}

// Stream is the Kinesis stream events flow through.
type Stream struct {
	Name   string `json:"name" yaml:"name"`
	Shards int    `json:"shards" yaml:"shards"`
}

// Table is the DynamoDB aggregate table.
type Table struct {
	Name string `json:"name" yaml:"name"`
}

// Run configures the consumer.
type Run struct {
	InitialPosition    string        `json:"initial_position" yaml:"initial_position"`
	Retrieval          string        `json:"retrieval" yaml:"retrieval"`
	BatchInterval      time.Duration `json:"batch_interval" yaml:"batch_interval"`
	CheckpointInterval time.Duration `json:"checkpoint_interval" yaml:"checkpoint_interval"`
	BucketSize         time.Duration `json:"bucket_size" yaml:"bucket_size"`
	GroupBy            []string      `json:"group_by" yaml:"group_by"`
	Metrics            []string      `json:"metrics" yaml:"metrics"`
	Window             time.Duration `json:"window" yaml:"window"`
	Slide              time.Duration `json:"slide" yaml:"slide"`
	Where              string        `json:"where" yaml:"where"`
	Format             string        `json:"format" yaml:"format"`
	TimeField          string        `json:"time_field" yaml:"time_field"`
	AllowedLateness    time.Duration `json:"allowed_lateness" yaml:"allowed_lateness"`
}

// Local configures the embedded endpoint.
type Local struct {
	Addr    string `json:"addr" yaml:"addr"`
	DataDir string `json:"data_dir" yaml:"data_dir"`
}

// UsesAWS reports whether spk targets real AWS rather than an endpoint URL:
// a profile is set and no endpoint was given explicitly.
func (c *Config) UsesAWS() bool {
	return c.AWS.Profile != "" && c.AWS.EndpointFromDefault
}

// EndpointFor returns the endpoint URL for "kinesis" or "dynamodb", or ""
// when the AWS SDK should resolve AWS's own endpoint.
func (c *Config) EndpointFor(service string) string {
	switch service {
	case "kinesis":
		if c.AWS.KinesisEndpointURL != "" {
			return c.AWS.KinesisEndpointURL
		}
	case "dynamodb":
		if c.AWS.DynamoDBEndpointURL != "" {
			return c.AWS.DynamoDBEndpointURL
		}
	}
	if c.UsesAWS() {
		return ""
	}
	return c.AWS.EndpointURL
}

// SourceKind says which layer a value came from.
type SourceKind string

// rank orders the layers: a higher one wins.
func (k SourceKind) rank() int {
	switch k {
	case FromFlag:
		return 3
	case FromEnv:
		return 2
	case FromFile:
		return 1
	}
	return 0
}

// The layers, highest precedence first.
const (
	FromFlag    SourceKind = "flag"
	FromEnv     SourceKind = "env"
	FromFile    SourceKind = "file"
	FromDefault SourceKind = "default"
)

// Source is where one key's effective value came from.
type Source struct {
	Kind   SourceKind `json:"source" yaml:"source"`
	Detail string     `json:"from,omitempty" yaml:"from,omitempty"` // "--stream", "SPK_STREAM_NAME", "spk.yaml:3"
}

// Loaded is a loaded configuration with its provenance.
type Loaded struct {
	Config
	File    string            // the file read, "" when none
	Format  Format            // its format
	Sources map[string]Source // per key
	Values  map[string]any    // per key, typed
	Ignored []Ignored         // HOCON keys read but not used
	// ViewFlags lists the flags that define the run's one view (--group-by,
	// --metric, --window, --slide, --where) the user gave.
	ViewFlags []string
}

// Options says where to look for configuration.
type Options struct {
	// File is --config; empty means discover ./spk.yaml, then the user config dir.
	File string
	// Flags holds the command's flags; a flag named as a key's Flag sets it
	// when the user gave it.
	Flags *pflag.FlagSet
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// WorkDir is where ./spk.yaml is looked for; "" means the current directory.
	WorkDir string
	// UserConfigDir is where spk/spk.yaml is looked for; "" means $XDG_CONFIG_HOME
	// or ~/.config.
	UserConfigDir string
}

// DefaultUserConfigDir returns $XDG_CONFIG_HOME, else ~/.config.
func DefaultUserConfigDir(lookupEnv func(string) (string, bool)) string {
	if d, ok := lookupEnv("XDG_CONFIG_HOME"); ok && d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config")
	}
	return ""
}

// Discover returns the configuration file to read, or "" when there is none.
func Discover(opts Options) string {
	if opts.File != "" {
		return opts.File
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if f, ok := lookup("SPK_CONFIG"); ok && f != "" {
		return f
	}
	candidates := []string{filepath.Join(opts.WorkDir, "spk.yaml")}
	dir := opts.UserConfigDir
	if dir == "" {
		dir = DefaultUserConfigDir(lookup)
	}
	if dir != "" {
		candidates = append(candidates, filepath.Join(dir, "spk", "spk.yaml"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	return ""
}

// Load reads flags, environment, file and defaults into a validated Config.
// The first mistake found is returned as an *Error.
func Load(opts Options) (*Loaded, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	out := &Loaded{Sources: map[string]Source{}, Values: map[string]any{}}

	var fc *fileContents
	if path := Discover(opts); path != "" {
		var err error
		if fc, err = readFile(path); err != nil {
			return nil, err
		}
		out.File, out.Format, out.Ignored = fc.path, fc.format, fc.ignored
		if err := checkUnknown(fc); err != nil {
			return nil, err
		}
	}

	// Each key's value is taken from the highest layer that sets it, and
	// parsed here, so an error can name the layer, the key and what was
	// expected.
	for _, k := range Keys {
		src, text := Source{Kind: FromDefault}, k.Default
		if fc != nil {
			if fv, ok := fc.values[k.Name]; ok {
				if !fv.scalar {
					return nil, &Error{File: fc.path, Line: fv.line, Key: fileKeyName(k.Name, fv), Msg: fmt.Sprintf("expected a %s, got a map or a list", k.Kind)}
				}
				src, text = Source{Kind: FromFile, Detail: fileDetail(fc.path, fv)}, fv.text
			}
		}
		// The environment is read through lookup so tests control it; the
		// first of the key's names that is set wins.
		for _, env := range k.Env {
			if val, ok := lookup(env); ok && val != "" {
				src, text = Source{Kind: FromEnv, Detail: env}, val
				break
			}
		}
		if opts.Flags != nil && k.Flag != "" {
			if f := opts.Flags.Lookup(k.Flag); f != nil && f.Changed {
				text = f.Value.String()
				if sv, ok := f.Value.(pflag.SliceValue); ok {
					text = strings.Join(sv.GetSlice(), ",") // lists are kept as comma text
				}
				src = Source{Kind: FromFlag, Detail: "--" + k.Flag}
				if viewKeys[k.Name] {
					out.ViewFlags = append(out.ViewFlags, "--"+k.Flag)
				}
			}
		}
		// refuse says where the value came from, as the key's error.
		refuse := func(msg, hint string) error {
			e := &Error{Key: k.Name, Msg: msg, Hint: hint}
			switch src.Kind {
			case FromFile:
				fv := fc.values[k.Name]
				e.File, e.Line, e.Key = fc.path, fv.line, fileKeyName(k.Name, fv)
			case FromEnv:
				e.Env = src.Detail
			case FromFlag:
				e.Flag, e.Key = k.Flag, ""
			}
			return e
		}
		val, err := k.parse(text)
		if err != nil {
			return nil, refuse(err.Error(), "")
		}
		if k.Name == "local.data_dir" {
			// A Windows path in a double-quoted YAML string ("D:\new") reads
			// its backslashes as escapes: a newline, a tab.
			if strings.ContainsFunc(val.(string), unicode.IsControl) {
				return nil, refuse(fmt.Sprintf("%q has a control character", val),
					`in a double-quoted YAML string a backslash starts an escape: write a Windows path in single quotes ('D:\new\data') or with forward slashes`)
			}
			val = expandHome(val.(string), lookup)
		}
		out.Values[k.Name] = val
		out.Sources[k.Name] = src
	}
	// The default endpoint is wherever the embedded endpoint listens.
	if out.Sources["aws.endpoint_url"].Kind == FromDefault {
		out.Values["aws.endpoint_url"] = "http://" + out.Values["local.addr"].(string)
	}
	out.Config = build(out.Values)
	// A per-service endpoint overrides the general one given at the same
	// layer or a lower one, not a higher one: --endpoint-url beats
	// AWS_ENDPOINT_URL_KINESIS (which spk env exports), as the AWS CLI has it.
	general := out.Sources["aws.endpoint_url"]
	for key, field := range map[string]*string{
		"aws.kinesis_endpoint_url":  &out.Config.AWS.KinesisEndpointURL,
		"aws.dynamodb_endpoint_url": &out.Config.AWS.DynamoDBEndpointURL,
	} {
		if src := out.Sources[key]; *field != "" && src.Kind.rank() < general.Kind.rank() {
			// config show says so, as the value not used.
			*field, out.Values[key] = "", ""
			src.Detail = strings.TrimSpace(src.Detail + " (overridden by aws.endpoint_url from " + string(general.Kind) + " " + general.Detail + ")")
			out.Sources[key] = src
		}
	}
	if fc != nil {
		out.Config.Views = fc.views
	}
	out.Config.AWS.EndpointFromDefault = out.Sources["aws.endpoint_url"].Kind == FromDefault
	return out, nil
}

// expandHome expands a leading ~ of a path to the home directory, as a
// shell would have, wherever the path was given: a file, a variable or
// --data-dir=~/x (which shells leave alone) would otherwise make a
// directory named ~ in the working directory.
func expandHome(path string, lookup func(string) (string, bool)) string {
	if path != "~" && !strings.HasPrefix(path, "~/") && !strings.HasPrefix(path, "~"+string(filepath.Separator)) {
		return path
	}
	home, ok := lookup("HOME")
	if !ok || home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return path
		}
	}
	return filepath.Join(home, path[1:])
}

func fileKeyName(name string, fv fileValue) string {
	if fv.from != "" {
		return fv.from
	}
	return name
}

func fileDetail(path string, fv fileValue) string {
	d := path
	if fv.line > 0 {
		d = fmt.Sprintf("%s:%d", path, fv.line)
	}
	if fv.from != "" {
		d += " (" + fv.from + ")"
	}
	return d
}

// checkUnknown refuses keys spk does not know, so a typo is not silently ignored.
func checkUnknown(fc *fileContents) error {
	names := make([]string, 0, len(fc.values))
	for name := range fc.values {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return fc.values[names[i]].line < fc.values[names[j]].line })
	for _, name := range names {
		if _, ok := KeyByName(name); ok {
			continue
		}
		hint := "see the documented keys with: spk config init --force /tmp/spk.yaml"
		if fc.format == HOCON {
			hint = "spk reads these tutorial keys: " + knownHOCONKeys() + ", and its own keys (spk config show lists them)"
		}
		return &Error{File: fc.path, Line: fc.values[name].line, Key: name, Msg: "unknown key", Hint: hint}
	}
	return nil
}

func build(vals map[string]any) Config {
	s := func(k string) string { return vals[k].(string) }
	d := func(k string) time.Duration { return vals[k].(time.Duration) }
	return Config{
		App:      s("app"),
		LogLevel: s("log_level"),
		AWS: AWS{
			Profile:             s("aws.profile"),
			Region:              s("aws.region"),
			EndpointURL:         s("aws.endpoint_url"),
			KinesisEndpointURL:  s("aws.kinesis_endpoint_url"),
			DynamoDBEndpointURL: s("aws.dynamodb_endpoint_url"),
		},
		Stream: Stream{Name: s("stream.name"), Shards: vals["stream.shards"].(int)},
		Table:  Table{Name: s("table.name")},
		Run: Run{
			InitialPosition:    s("run.initial_position"),
			Retrieval:          s("run.retrieval"),
			BatchInterval:      d("run.batch_interval"),
			CheckpointInterval: d("run.checkpoint_interval"),
			BucketSize:         d("run.bucket_size"),
			GroupBy:            list(s("run.group_by")),
			Metrics:            list(s("run.metrics")),
			Window:             d("run.window"),
			Slide:              d("run.slide"),
			Where:              s("run.where"),
			Format:             s("run.format"),
			TimeField:          s("run.time_field"),
			AllowedLateness:    d("run.allowed_lateness"),
		},
		Local: Local{Addr: s("local.addr"), DataDir: s("local.data_dir")},
	}
}

// list splits a list key's comma text, dropping empty items and spaces.
func list(text string) []string {
	var out []string
	for _, s := range strings.Split(text, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Display renders a typed value the way spk.yaml spells it.
func Display(v any) string {
	switch x := v.(type) {
	case time.Duration:
		return formatDuration(x)
	default:
		return fmt.Sprint(x)
	}
}

// formatDuration prints 2s and 1m rather than Go's 2s and 1m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	for _, suffix := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, suffix) {
			s = strings.TrimSuffix(s, suffix[1:])
		}
	}
	return s
}

// IsConfigError reports whether err is a configuration mistake.
func IsConfigError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}
