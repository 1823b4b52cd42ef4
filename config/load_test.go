package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// env returns a LookupEnv over a fixed map, so tests never see the real environment.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// flags returns a flag set with every key's flag defined, as spk's commands do.
func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("spk", pflag.ContinueOnError)
	for _, k := range Keys {
		if k.Flag != "" {
			fs.String(k.Flag, "", k.Doc)
		}
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, opts Options) *Loaded {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = env(nil)
	}
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	if opts.UserConfigDir == "" {
		opts.UserConfigDir = t.TempDir()
	}
	l, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return l
}

func TestDefaultsAreTheTutorials(t *testing.T) {
	l := load(t, Options{})
	want := Config{
		App: "StreamingCountsApp", LogLevel: "info",
		AWS:    AWS{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566", EndpointFromDefault: true},
		Stream: Stream{Name: "my-stream", Shards: 1},
		Table:  Table{Name: "my-table"},
		Run: Run{InitialPosition: "TRIM_HORIZON", Retrieval: "polling", BatchInterval: 2 * time.Second, CheckpointInterval: 10 * time.Second, BucketSize: time.Minute,
			GroupBy: []string{"type"}, Metrics: []string{"count"}, Format: "json", TimeField: "timestamp"},
		Local: Local{Addr: "127.0.0.1:4566"},
	}
	if !reflect.DeepEqual(l.Config, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", l.Config, want)
	}
	for _, k := range Keys {
		if l.Sources[k.Name].Kind != FromDefault {
			t.Errorf("%s: source %v, want default", k.Name, l.Sources[k.Name])
		}
	}
	if l.UsesAWS() || l.EndpointFor("kinesis") != "http://127.0.0.1:4566" {
		t.Errorf("default target should be the embedded endpoint, got UsesAWS=%v endpoint=%q", l.UsesAWS(), l.EndpointFor("kinesis"))
	}
}

// TestPrecedence checks, key by key, that each layer overrides the next.
func TestPrecedence(t *testing.T) {
	cases := []struct {
		key, flag, env, fileKey string
		def, file, envVal, flg  string
	}{
		{key: "stream.name", flag: "stream", env: "SPK_STREAM_NAME", fileKey: "stream:\n  name: %s\n", def: "my-stream", file: "from-file", envVal: "from-env", flg: "from-flag"},
		{key: "table.name", flag: "table", env: "SPK_TABLE_NAME", fileKey: "table:\n  name: %s\n", def: "my-table", file: "file-table", envVal: "env-table", flg: "flag-table"},
		{key: "app", flag: "app", env: "SPK_APP", fileKey: "app: %s\n", def: "StreamingCountsApp", file: "FileApp", envVal: "EnvApp", flg: "FlagApp"},
		{key: "aws.region", flag: "region", env: "AWS_REGION", fileKey: "aws:\n  region: %s\n", def: "us-east-1", file: "eu-west-1", envVal: "eu-central-1", flg: "ap-south-1"},
		{key: "aws.profile", flag: "profile", env: "AWS_PROFILE", fileKey: "aws:\n  profile: %s\n", def: "", file: "fileprof", envVal: "envprof", flg: "flagprof"},
		{key: "aws.endpoint_url", flag: "endpoint-url", env: "AWS_ENDPOINT_URL", fileKey: "aws:\n  endpoint_url: %s\n", def: "http://127.0.0.1:4566", file: "http://127.0.0.1:1", envVal: "http://127.0.0.1:2", flg: "http://127.0.0.1:3"},
		{key: "run.batch_interval", flag: "batch-interval", env: "SPK_RUN_BATCH_INTERVAL", fileKey: "run:\n  batch_interval: %s\n", def: "2s", file: "3s", envVal: "4s", flg: "5s"},
		{key: "run.bucket_size", flag: "bucket-size", env: "SPK_RUN_BUCKET_SIZE", fileKey: "run:\n  bucket_size: %s\n", def: "1m", file: "5m", envVal: "15m", flg: "1h"},
		{key: "run.retrieval", flag: "retrieval", env: "SPK_RUN_RETRIEVAL", fileKey: "run:\n  retrieval: %s\n", def: "polling", file: "fanout", envVal: "polling", flg: "fanout"},
		{key: "log_level", flag: "log-level", env: "SPK_LOG_LEVEL", fileKey: "log_level: %s\n", def: "info", file: "warn", envVal: "error", flg: "debug"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			file := writeFile(t, "spk.yaml", strings.ReplaceAll(c.fileKey, "%s", c.file))
			layers := []struct {
				name    string
				opts    Options
				want    string
				source  SourceKind
				flagSet *pflag.FlagSet
			}{
				{name: "default", want: c.def, source: FromDefault, flagSet: flags(t)},
				{name: "file", opts: Options{File: file}, want: c.file, source: FromFile, flagSet: flags(t)},
				{name: "env over file", opts: Options{File: file, LookupEnv: env(map[string]string{c.env: c.envVal})}, want: c.envVal, source: FromEnv, flagSet: flags(t)},
				{name: "flag over env", opts: Options{File: file, LookupEnv: env(map[string]string{c.env: c.envVal})}, want: c.flg, source: FromFlag, flagSet: flags(t, "--"+c.flag+"="+c.flg)},
			}
			for _, layer := range layers {
				layer.opts.Flags = layer.flagSet
				l := load(t, layer.opts)
				if got := Display(l.Values[c.key]); got != layer.want {
					t.Errorf("%s: %s = %q, want %q", layer.name, c.key, got, layer.want)
				}
				if got := l.Sources[c.key].Kind; got != layer.source {
					t.Errorf("%s: %s source = %s, want %s", layer.name, c.key, got, layer.source)
				}
			}
		})
	}
}

func TestSPKEnvWinsOverAWSEnv(t *testing.T) {
	l := load(t, Options{LookupEnv: env(map[string]string{"AWS_REGION": "eu-west-1", "SPK_AWS_REGION": "eu-west-2"})})
	if l.AWS.Region != "eu-west-2" || l.Sources["aws.region"].Detail != "SPK_AWS_REGION" {
		t.Fatalf("region %q from %v, want eu-west-2 from SPK_AWS_REGION", l.AWS.Region, l.Sources["aws.region"])
	}
}

func TestServiceEndpoints(t *testing.T) {
	l := load(t, Options{LookupEnv: env(map[string]string{
		"AWS_ENDPOINT_URL_KINESIS":  "http://127.0.0.1:1111",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2222",
	})})
	if got := l.EndpointFor("kinesis"); got != "http://127.0.0.1:1111" {
		t.Errorf("kinesis endpoint %q", got)
	}
	if got := l.EndpointFor("dynamodb"); got != "http://127.0.0.1:2222" {
		t.Errorf("dynamodb endpoint %q", got)
	}
}

// TestAFlagEndpointBeatsServiceEndpointsFromTheEnvironment: a per-service
// endpoint overrides the general one only from the same layer or a higher
// one: --endpoint-url wins over AWS_ENDPOINT_URL_KINESIS (which spk env
// exports), as it does in the AWS CLI, and a file's per-service endpoint
// does not beat SPK_AWS_ENDPOINT_URL.
func TestAFlagEndpointBeatsServiceEndpointsFromTheEnvironment(t *testing.T) {
	l := load(t, Options{LookupEnv: env(map[string]string{"AWS_ENDPOINT_URL_KINESIS": "http://127.0.0.1:1111"}), Flags: flags(t, "--endpoint-url=http://127.0.0.1:3333")})
	if got := l.EndpointFor("kinesis"); got != "http://127.0.0.1:3333" {
		t.Errorf("kinesis endpoint %q, want the flag's", got)
	}
	if v, src := l.Values["aws.kinesis_endpoint_url"], l.Sources["aws.kinesis_endpoint_url"]; v != "" || src.Detail != "AWS_ENDPOINT_URL_KINESIS (overridden by aws.endpoint_url from flag --endpoint-url)" {
		t.Errorf("the overridden key shows %q from %+v", v, src)
	}
	path := writeFile(t, "spk.yaml", "aws:\n  dynamodb_endpoint_url: http://127.0.0.1:2222\n")
	l = load(t, Options{File: path, LookupEnv: env(map[string]string{"SPK_AWS_ENDPOINT_URL": "http://127.0.0.1:4444"})})
	if got := l.EndpointFor("dynamodb"); got != "http://127.0.0.1:4444" {
		t.Errorf("dynamodb endpoint %q, want the environment's", got)
	}
	l = load(t, Options{LookupEnv: env(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5555", "AWS_ENDPOINT_URL_KINESIS": "http://127.0.0.1:1111"})})
	if got := l.EndpointFor("kinesis"); got != "http://127.0.0.1:1111" {
		t.Errorf("kinesis endpoint %q, want the per-service one of the same layer", got)
	}
}

// TestDataDirExpandsHome: a leading ~ in local.data_dir is the home
// directory from every layer, not a directory named ~ where spk runs.
func TestDataDirExpandsHome(t *testing.T) {
	home := map[string]string{"HOME": "/home/ada"}
	path := writeFile(t, "spk.yaml", "local:\n  data_dir: ~/spkdata\n")
	if l := load(t, Options{File: path, LookupEnv: env(home)}); l.Local.DataDir != "/home/ada/spkdata" {
		t.Errorf("from the file: %q", l.Local.DataDir)
	}
	if l := load(t, Options{LookupEnv: env(home), Flags: flags(t, "--data-dir=~/x")}); l.Local.DataDir != "/home/ada/x" {
		t.Errorf("from the flag: %q", l.Local.DataDir)
	}
	if l := load(t, Options{LookupEnv: env(map[string]string{"HOME": "/home/ada", "SPK_LOCAL_DATA_DIR": "~"})}); l.Local.DataDir != "/home/ada" {
		t.Errorf("from the environment: %q", l.Local.DataDir)
	}
	if l := load(t, Options{LookupEnv: env(home), Flags: flags(t, "--data-dir=data/~x")}); l.Local.DataDir != "data/~x" {
		t.Errorf("a ~ inside a path: %q", l.Local.DataDir)
	}
}

// TestSmallHOCONFilesAreReadAsHOCON: a HOCON file whose name does not say
// so is read as HOCON when it is not a YAML mapping, even though a single
// line or a brace block parses as a YAML scalar.
func TestSmallHOCONFilesAreReadAsHOCON(t *testing.T) {
	for name, body := range map[string]string{
		"one.cfg": "kinesis.streamName = \"s-1\"\n",
		"two.txt": "kinesis {\n  streamName = \"s-1\"\n}\n",
	} {
		l := load(t, Options{File: writeFile(t, name, body)})
		if l.Stream.Name != "s-1" || l.Format != HOCON {
			t.Errorf("%s: stream %q read as %s, want s-1 from HOCON", name, l.Stream.Name, l.Format)
		}
	}
}

// TestEmptyTrailingYAMLDocumentIsFine: a --- at the end, or followed by
// comments only, sets nothing and is no second document.
func TestEmptyTrailingYAMLDocumentIsFine(t *testing.T) {
	for _, body := range []string{"app: App1\n---\n", "app: App1\n---\n# nothing here\n"} {
		if l := load(t, Options{File: writeFile(t, "spk.yaml", body)}); l.App != "App1" {
			t.Errorf("%q: app %q", body, l.App)
		}
	}
}

// TestYAMLAliasesTakeTheirAnchorsValue: an alias stands for its anchor's
// value, a scalar or a list, not "a map or a list".
func TestYAMLAliasesTakeTheirAnchorsValue(t *testing.T) {
	l := load(t, Options{File: writeFile(t, "spk.yaml", "app: &shared Clicks1\ntable:\n  name: *shared\n")})
	if l.App != "Clicks1" || l.Table.Name != "Clicks1" {
		t.Fatalf("app %q, table %q; want both Clicks1", l.App, l.Table.Name)
	}
}

// TestHOCONOptionalSubstitutionOfNothing: ${?X} with X unset leaves the
// key unset, as HOCON has it, instead of a nil value spk crashed on.
func TestHOCONOptionalSubstitutionOfNothing(t *testing.T) {
	path := writeFile(t, "q.conf", "aws.awsProfile = ${?SPK_TEST_NOTHING}\nstream.shards = ${?SPK_TEST_NOTHING}\nspark.master = ${?SPK_TEST_NOTHING}\nkinesis.streamName = clicks\n")
	l := load(t, Options{File: path})
	if l.AWS.Profile != "" || l.Stream.Shards != 1 || l.Stream.Name != "clicks" {
		t.Fatalf("profile %q, shards %d, stream %q: want unset, 1 and clicks", l.AWS.Profile, l.Stream.Shards, l.Stream.Name)
	}
}

func TestProfileSelectsAWSUnlessEndpointGiven(t *testing.T) {
	l := load(t, Options{LookupEnv: env(map[string]string{"AWS_PROFILE": "work"})})
	if !l.UsesAWS() || l.EndpointFor("kinesis") != "" {
		t.Fatalf("profile alone: UsesAWS=%v endpoint=%q, want AWS", l.UsesAWS(), l.EndpointFor("kinesis"))
	}
	l = load(t, Options{LookupEnv: env(map[string]string{"AWS_PROFILE": "work", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})})
	if l.UsesAWS() || l.EndpointFor("dynamodb") != "http://127.0.0.1:9" {
		t.Fatalf("profile + endpoint: UsesAWS=%v endpoint=%q, want the endpoint", l.UsesAWS(), l.EndpointFor("dynamodb"))
	}
}

func TestDiscovery(t *testing.T) {
	work, user := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(user, "spk"), 0o755); err != nil {
		t.Fatal(err)
	}
	userFile := filepath.Join(user, "spk", "spk.yaml")
	if err := os.WriteFile(userFile, []byte("app: UserApp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := load(t, Options{WorkDir: work, UserConfigDir: user})
	if l.File != userFile || l.App != "UserApp" {
		t.Fatalf("user config: file %q app %q", l.File, l.App)
	}
	workFile := filepath.Join(work, "spk.yaml")
	if err := os.WriteFile(workFile, []byte("app: WorkApp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l = load(t, Options{WorkDir: work, UserConfigDir: user})
	if l.File != workFile || l.App != "WorkApp" {
		t.Fatalf("./spk.yaml should win over the user config: file %q app %q", l.File, l.App)
	}
	explicit := writeFile(t, "other.yaml", "app: ExplicitApp\n")
	l = load(t, Options{File: explicit, WorkDir: work, UserConfigDir: user})
	if l.File != explicit || l.App != "ExplicitApp" {
		t.Fatalf("--config should win: file %q app %q", l.File, l.App)
	}
}

// TestTutorialHOCON maps the tutorial's exact config.hocon.sample, and
// the same file with Windows' line endings (CRLF) the same way.
func TestTutorialHOCON(t *testing.T) {
	t.Run("LF", func(t *testing.T) { checkTutorialHOCON(t, "testdata/config.hocon.sample") })
	t.Run("CRLF", func(t *testing.T) {
		data, err := os.ReadFile("testdata/config.hocon.sample")
		if err != nil {
			t.Fatal(err)
		}
		crlf := filepath.Join(t.TempDir(), "config.hocon.sample")
		if err := os.WriteFile(crlf, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		checkTutorialHOCON(t, crlf)
	})
}

func checkTutorialHOCON(t *testing.T, file string) {
	l := load(t, Options{File: file})
	if l.Format != HOCON {
		t.Fatalf("format %q, want hocon", l.Format)
	}
	want := map[string]struct{ value, from string }{
		"stream.name":             {"my-stream", file + ":9 (kinesis.streamName)"},
		"aws.region":              {"us-east-1", file + ":11 (kinesis.region)"},
		"app":                     {"StreamingCountsApp", file + ":18 (spark.appName)"},
		"run.checkpoint_interval": {"10s", file + ":20 (spark.checkpointInterval)"},
		"run.batch_interval":      {"2s", file + ":24 (spark.batchInterval)"},
		"table.name":              {"my-table", file + ":31 (dynamodb.tableName)"},
		"aws.profile":             {"default", file + ":38 (aws.awsProfile)"},
	}
	for key, w := range want {
		if got := Display(l.Values[key]); got != w.value {
			t.Errorf("%s = %q, want %q", key, got, w.value)
		}
		if src := l.Sources[key]; src.Kind != FromFile || src.Detail != w.from {
			t.Errorf("%s source = %+v, want file %s", key, src, w.from)
		}
	}
	if len(l.Ignored) != 1 || l.Ignored[0].Key != "spark.master" || l.Ignored[0].Value != "local[2]" || !strings.Contains(l.Ignored[0].Reason, "no Spark") {
		t.Fatalf("ignored = %+v, want spark.master with a reason", l.Ignored)
	}
}

func TestHOCONNonDefaultValues(t *testing.T) {
	p := writeFile(t, "app.conf", "spark { batchInterval = 500, checkpointInterval = 30 }\nkinesis.streamName = clicks\n")
	l := load(t, Options{File: p})
	if l.Run.BatchInterval != 500*time.Millisecond || l.Run.CheckpointInterval != 30*time.Second || l.Stream.Name != "clicks" {
		t.Fatalf("got %+v %+v", l.Run, l.Stream)
	}
}

func TestSampleFileLoadsToDefaults(t *testing.T) {
	data, err := os.ReadFile("../templates/spk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "spk.yaml", string(data))
	l := load(t, Options{File: p})
	def := load(t, Options{})
	if !reflect.DeepEqual(l.Config, def.Config) {
		t.Fatalf("the sample should spell out the defaults:\n got %+v\nwant %+v", l.Config, def.Config)
	}
	for _, k := range Keys {
		leaf := k.Name[strings.LastIndex(k.Name, ".")+1:]
		if !strings.Contains(string(data), leaf+":") {
			t.Errorf("the sample does not document key %s", k.Name)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		file string // file name and content, "" for none
		body string
		env  map[string]string
		args []string
		want string
	}{
		{name: "malformed yaml", file: "spk.yaml", body: "stream:\n  name: [unclosed\n", want: `spk.yaml, line 1: not valid YAML: did not find expected ',' or ']'`},
		{name: "unknown key", file: "spk.yaml", body: "app: A1b\nstream:\n  nmae: x\n", want: `spk.yaml, line 3: key "stream.nmae": unknown key`},
		{name: "wrong type duration", file: "spk.yaml", body: "run:\n  batch_interval: soon\n", want: `spk.yaml, line 2: key "run.batch_interval": expected a duration such as 2s, 500ms or 1m, got "soon"`},
		{name: "wrong type int", file: "spk.yaml", body: "stream:\n  shards: many\n", want: `spk.yaml, line 2: key "stream.shards": expected an integer, got "many"`},
		{name: "map for a string", file: "spk.yaml", body: "app:\n  name: x\n", want: `spk.yaml, line 1: key "app": expected a string, got a map or a list`},
		{name: "top level list", file: "spk.yaml", body: "- a\n- b\n", want: `spk.yaml, line 1: expected a mapping of keys to values at the top level`},
		{name: "bad bucket size", file: "spk.yaml", body: "run:\n  bucket_size: 7m\n", want: `key "run.bucket_size": expected a bucket size that divides an hour or a day`},
		{name: "bad stream name", file: "spk.yaml", body: "stream:\n  name: \"my stream\"\n", want: `key "stream.name": expected a stream name of 1 to 128 letters`},
		{name: "short table name", file: "spk.yaml", body: "table:\n  name: ab\n", want: `key "table.name": expected a table name of 3 to 255`},
		{name: "bad region env", env: map[string]string{"AWS_REGION": "moon"}, want: `environment variable AWS_REGION: key "aws.region": expected an AWS region such as us-east-1, got "moon"`},
		{name: "bad endpoint flag", args: []string{"--endpoint-url=localhost:4566"}, want: `flag --endpoint-url: expected an http:// or https:// URL`},
		// An empty endpoint ("$UNSET") would send spk to AWS with real keys.
		{name: "empty endpoint flag", args: []string{"--endpoint-url="}, want: `flag --endpoint-url: expected an http:// or https:// URL such as http://127.0.0.1:4566, got an empty value; leave it out for the embedded endpoint, or set a profile (--profile) for AWS`},
		{name: "empty endpoint in the file", file: "spk.yaml", body: "aws:\n  endpoint_url: \"\"\n", want: `spk.yaml, line 2: key "aws.endpoint_url": expected an http:// or https:// URL such as http://127.0.0.1:4566, got an empty value`},
		{name: "bad position", args: []string{"--initial-position=EARLIEST"}, want: `expected TRIM_HORIZON, LATEST or AT_TIMESTAMP, got "EARLIEST"`},
		{name: "bad retrieval", args: []string{"--retrieval=bogus"}, want: `flag --retrieval: expected polling (GetRecords, the default) or fanout (enhanced fan-out with SubscribeToShard), got "bogus"`},
		{name: "bad retrieval env", env: map[string]string{"SPK_RUN_RETRIEVAL": "efo"}, want: `environment variable SPK_RUN_RETRIEVAL: key "run.retrieval": expected polling`},
		{name: "unknown hocon key", file: "app.conf", body: "kinesis {\n  streamName = a\n  shardz = 2\n}\n", want: `app.conf, line 3: key "kinesis.shardz": unknown key`},
		{name: "malformed hocon", file: "app.conf", body: "kinesis {\n  streamName = \n", want: `app.conf, line `},
		{name: "hocon bad number", file: "app.conf", body: "spark {\n  batchInterval = fast\n}\n", want: `app.conf, line 2: key "spark.batchInterval": expected a positive number of milliseconds, got fast`},
		{name: "hocon line of a nested key", file: "app.conf", body: "stream {\n  name = \"good\"\n}\ntable {\n  name = \"bad name!\"\n}\n", want: `app.conf, line 5: key "table.name": expected a table name`},
		{name: "hocon line of a dotted key", file: "app.conf", body: "kinesis {\n  streamName = s\n}\nspark.batchInterval = fast\n", want: `app.conf, line 4: key "spark.batchInterval": expected a positive number`},
		{name: "hocon include", file: "app.conf", body: "kinesis {\n  streamName = s\n}\ninclude \"other.conf\"\n", want: `app.conf, line 4: include is not supported`},
		{name: "hocon NaN", file: "app.conf", body: "spark {\n  batchInterval = NaN\n}\n", want: `app.conf, line 2: key "spark.batchInterval": expected a positive number of milliseconds, got NaN`},
		{name: "hocon huge number", file: "app.conf", body: "spark {\n  checkpointInterval = 1e30\n}\n", want: `app.conf, line 2: key "spark.checkpointInterval": expected a positive number of seconds, got 1e+30`},
		{name: "missing file", file: "-", want: `nope.yaml: file not found`},
		{name: "duplicate key", file: "spk.yaml", body: "stream:\n  name: a\n  name: b\n", want: `spk.yaml, line 3: key "stream.name": set again; it was set at line 2`},
		{name: "repeated section", file: "spk.yaml", body: "stream:\n  name: clicks\napp: A1\nstream:\n  shards: 2\n  name: other\n", want: `spk.yaml, line 4: key "stream": set again; it was set at line 1`},
		{name: "second document", file: "spk.yaml", body: "app: A1\n---\napp: A2\n", want: `spk.yaml, line 2: a second YAML document (after ---): spk reads one`},
		{name: "a section repeated", file: "spk.yaml", body: "stream:\n  name: aaa\nstream:\n  shards: 2\n", want: `spk.yaml, line 3: key "stream": set again; it was set at line 1`},
		{name: "a Windows path in double quotes", file: "spk.yaml", body: "local:\n  data_dir: \"D:\\new\\tmp\"\n", want: `spk.yaml, line 2: key "local.data_dir": "D:\new\tmp" has a control character`},
		// Every verb's default endpoint is http:// and local.addr.
		{name: "local address without a port", env: map[string]string{"SPK_LOCAL_ADDR": "127.0.0.1"}, want: `environment variable SPK_LOCAL_ADDR: key "local.addr": expected host:port such as 127.0.0.1:4566, got "127.0.0.1" (missing port in address)`},
		{name: "local address port out of range", file: "spk.yaml", body: "local:\n  addr: 127.0.0.1:99999\n", want: `spk.yaml, line 2: key "local.addr": expected host:port such as 127.0.0.1:4566, got "127.0.0.1:99999" (port "99999" is not a number from 0 to 65535)`},
		{name: "local address flag", args: []string{"--addr=garbage"}, want: `flag --addr: expected host:port such as 127.0.0.1:4566, got "garbage" (missing port in address)`},
		{name: "a control character from the environment", env: map[string]string{"SPK_LOCAL_DATA_DIR": "/tmp/a\tb"}, want: `environment variable SPK_LOCAL_DATA_DIR: key "local.data_dir": "/tmp/a\tb" has a control character`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{LookupEnv: env(c.env), Flags: flags(t, c.args...), WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
			switch c.file {
			case "":
			case "-":
				opts.File = filepath.Join(t.TempDir(), "nope.yaml")
			default:
				opts.File = writeFile(t, c.file, c.body)
			}
			l, err := Load(opts)
			if err == nil {
				t.Fatalf("Load succeeded with %+v, want error containing %q", l.Config, c.want)
			}
			if !IsConfigError(err) {
				t.Fatalf("error %T is not a configuration error: %v", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n %s\nwant it to contain:\n %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
}

// TestEnumValuesIgnoreCase: an enum key's value is taken whatever its case
// and surrounding space, from the environment and the file as from flags,
// and stored as spk spells it; a value that is none of the choices still
// says which are.
func TestEnumValuesIgnoreCase(t *testing.T) {
	cases := []struct {
		key, env, fileKey, given, want string
	}{
		{"run.initial_position", "SPK_RUN_INITIAL_POSITION", "run:\n  initial_position: %s\n", "latest", "LATEST"},
		{"run.initial_position", "SPK_RUN_INITIAL_POSITION", "run:\n  initial_position: %s\n", " At_Timestamp ", "AT_TIMESTAMP"},
		{"run.retrieval", "SPK_RUN_RETRIEVAL", "run:\n  retrieval: %s\n", "FANOUT", "fanout"},
		{"run.format", "SPK_RUN_FORMAT", "run:\n  format: %s\n", "AccessLog", "accesslog"},
		{"log_level", "SPK_LOG_LEVEL", "log_level: %s\n", "DEBUG", "debug"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.given, func(t *testing.T) {
			fromEnv := load(t, Options{LookupEnv: env(map[string]string{c.env: c.given})})
			if got := fromEnv.Values[c.key]; got != c.want || fromEnv.Sources[c.key].Kind != FromEnv {
				t.Errorf("env %s=%q: %s = %q from %v, want %q", c.env, c.given, c.key, got, fromEnv.Sources[c.key], c.want)
			}
			file := writeFile(t, "spk.yaml", strings.ReplaceAll(c.fileKey, "%s", strconv.Quote(c.given)))
			fromFile := load(t, Options{File: file})
			if got := fromFile.Values[c.key]; got != c.want || fromFile.Sources[c.key].Kind != FromFile {
				t.Errorf("file %q: %s = %q from %v, want %q", c.given, c.key, got, fromFile.Sources[c.key], c.want)
			}
		})
	}
	if l := load(t, Options{LookupEnv: env(map[string]string{"SPK_RUN_RETRIEVAL": "Fanout", "SPK_LOG_LEVEL": "Warn"})}); l.Run.Retrieval != "fanout" || l.LogLevel != "warn" {
		t.Errorf("Config: retrieval %q, log level %q; want fanout, warn", l.Run.Retrieval, l.LogLevel)
	}
	// --log-level is a plain string flag: config takes its case as well.
	if l := load(t, Options{Flags: flags(t, "--log-level=DEBUG")}); l.LogLevel != "debug" || l.Sources["log_level"].Kind != FromFlag {
		t.Errorf("--log-level=DEBUG: log level %q from %v, want debug from the flag", l.LogLevel, l.Sources["log_level"])
	}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{LookupEnv: env(map[string]string{"SPK_RUN_INITIAL_POSITION": "earliest"})},
			`configuration: environment variable SPK_RUN_INITIAL_POSITION: key "run.initial_position": expected TRIM_HORIZON, LATEST or AT_TIMESTAMP, got "earliest"`},
		{Options{LookupEnv: env(nil), File: writeFile(t, "spk.yaml", "run:\n  format: XML\n")},
			`, line 2: key "run.format": expected json or accesslog, got "XML"`},
		{Options{LookupEnv: env(map[string]string{"SPK_LOG_LEVEL": "verbose"})},
			`configuration: environment variable SPK_LOG_LEVEL: key "log_level": expected debug, info, warn or error, got "verbose"`},
	} {
		c.opts.WorkDir, c.opts.UserConfigDir = t.TempDir(), t.TempDir()
		_, err := Load(c.opts)
		if err == nil || !strings.HasSuffix(err.Error(), c.want) || !IsConfigError(err) {
			t.Errorf("error %v\nwant it to end with %s", err, c.want)
		}
	}
}
