package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/local"

	"github.com/spk-cli/spk/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// result is what one in-process run of spk produced.
type result struct {
	code        int
	stdout      string
	stderr      string
	workDir     string
	userConfDir string
}

// run executes spk in-process with fake streams, an empty environment (plus
// env) and fresh working and user-config directories.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runIn(t, t.TempDir(), env, args...)
}

func runIn(t *testing.T, workDir string, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &Factory{
		IO:            ios,
		LookupEnv:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		WorkDir:       workDir,
		UserConfigDir: t.TempDir(),
	}
	code := Execute(context.Background(), f, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String(), workDir: workDir, userConfDir: f.UserConfigDir}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := run(t, nil, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "spk ") || !strings.Contains(r.stdout, "(commit ") || !strings.Contains(r.stdout, "built ") {
			t.Fatalf("spk %v: code %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, nil, "version", "--output", "json")
	var info map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || r.code != 0 {
		t.Fatalf("version json: code %d err %v out %q", r.code, err, r.stdout)
	}
	for _, k := range []string{"version", "commit", "date", "go_version", "platform"} {
		if info[k] == "" {
			t.Errorf("version json lacks %q: %v", k, info)
		}
	}
	r = run(t, nil, "version", "--output", "xml")
	if r.code != ExitUsage || r.stderr != "spk: invalid value \"xml\" for --output: expected text or json\nhint: run 'spk version --help' for usage\n" {
		t.Fatalf("bad output format: code %d stderr %q", r.code, r.stderr)
	}
}

func TestConfigInit(t *testing.T) {
	dir := t.TempDir()
	r := runIn(t, dir, nil, "config", "init")
	path := filepath.Join(dir, "spk.yaml")
	data, err := os.ReadFile(path)
	if r.code != 0 || err != nil || !strings.Contains(string(data), "app: StreamingCountsApp") {
		t.Fatalf("config init: code %d stderr %q err %v", r.code, r.stderr, err)
	}
	// A second init must refuse and leave the user's edits alone.
	edited := []byte("app: MyEditedApp\n")
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runIn(t, dir, nil, "config", "init")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "spk: config init: "+path+" already exists") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("second init: code %d stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(path); string(got) != string(edited) {
		t.Fatalf("refused init changed the file: %q", got)
	}
	r = runIn(t, dir, nil, "config", "init", "--force")
	if got, _ := os.ReadFile(path); r.code != 0 || !strings.Contains(string(got), "# spk.yaml") {
		t.Fatalf("init --force: code %d stderr %q", r.code, r.stderr)
	}
	// An explicit path in a new directory.
	other := filepath.Join(dir, "sub", "dir", "custom.yaml")
	if r = runIn(t, dir, nil, "config", "init", other); r.code != 0 {
		t.Fatalf("init PATH: code %d stderr %q", r.code, r.stderr)
	}
	// The written sample is itself a valid configuration.
	if r = runIn(t, dir, nil, "config", "show", "--config", other); r.code != 0 {
		t.Fatalf("show of the sample: code %d stderr %q", r.code, r.stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub", "dir"))
	if len(entries) != 1 {
		t.Fatalf("init left temporary files behind: %v", entries)
	}
}

// TestConfigInitRefusals: a path spk would read as HOCON, or one that
// cannot be written, is refused with one line and exit 2, and nothing is
// written: no file, no temporary file, and no directory made for it.
func TestConfigInitRefusals(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tooLong := strings.Repeat("d", 300) // past any file system's name limit
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "x.hocon"), "spk: config init: " + filepath.Join(dir, "x.hocon") + " would be read as HOCON, for its name, but spk config init writes YAML: give it a .yaml path, such as " + filepath.Join(dir, "x.yaml")},
		{filepath.Join(dir, "y.conf"), "spk: config init: " + filepath.Join(dir, "y.conf") + " would be read as HOCON, for its name, but spk config init writes YAML: give it a .yaml path, such as " + filepath.Join(dir, "y.yaml")},
		{filepath.Join(dir, "new", "spk.conf"), "spk: config init: " + filepath.Join(dir, "new", "spk.conf") + " would be read as HOCON, for its name, but spk config init writes YAML: give it a .yaml path, such as " + filepath.Join(dir, "new", "spk.yaml")},
		{filepath.Join(aFile, "spk.yaml"), "spk: config init: cannot write " + filepath.Join(aFile, "spk.yaml") + ": not a directory; give a path in a directory you can write"},
		{filepath.Join(aFile, "sub", "spk.yaml"), "spk: config init: cannot write " + filepath.Join(aFile, "sub", "spk.yaml") + ": cannot create the directory " + filepath.Join(aFile, "sub") + ": not a directory; give a path in a directory you can write"},
		// new is made, then the name past the limit is not: new goes again.
		{filepath.Join(dir, "new", tooLong, "spk.yaml"), "spk: config init: cannot write " + filepath.Join(dir, "new", tooLong, "spk.yaml") + ": cannot create the directory " + filepath.Join(dir, "new", tooLong) + ": file name too long; give a path in a directory you can write"},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			r := runIn(t, dir, nil, "config", "init", c.path)
			if r.code != ExitUsage || r.stderr != c.want+"\n" {
				t.Fatalf("code %d (want 2), stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, c.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != "file" {
				t.Fatalf("a refused init left %v", entries)
			}
			if got, _ := os.ReadFile(aFile); string(got) != "kept\n" {
				t.Fatalf("a refused init changed %s: %q", aFile, got)
			}
		})
	}
}

func TestConfigShowHOCON(t *testing.T) {
	hocon, err := filepath.Abs("../config/testdata/config.hocon.sample")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "config", "show", "--config", hocon, "--output", "json")
	if r.code != 0 {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	var shown shownConfig
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if shown.Format != "hocon" || shown.Keys["stream.name"].Value != "my-stream" || shown.Keys["run.batch_interval"].Value != "2s" || shown.Keys["aws.profile"].Source != "file" {
		t.Fatalf("unexpected: %+v", shown)
	}
	if len(shown.Ignored) != 1 || shown.Ignored[0].Key != "spark.master" {
		t.Fatalf("ignored: %+v", shown.Ignored)
	}
	// The profile in the tutorial's file selects real AWS; a flag overrides it.
	if !strings.HasPrefix(shown.Target, "AWS (profile default") {
		t.Fatalf("target %q", shown.Target)
	}
	r = run(t, nil, "config", "show", "--config", hocon, "--stream", "clicks", "--output", "yaml")
	if r.code != 0 || !strings.Contains(r.stdout, "stream.name:\n    value: clicks\n    source: flag\n    from: --stream") {
		t.Fatalf("yaml with flag: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestConfigShowTable(t *testing.T) {
	r := run(t, map[string]string{"SPK_STREAM_NAME": "envstream"}, "config", "show", "--table", "flagtable")
	if r.code != 0 {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"Configuration file: (none)", "Target: endpoint http://127.0.0.1:4566", "stream.name", "envstream", "env SPK_STREAM_NAME", "flagtable", "flag --table", "run.bucket_size            1m",
		"local.data_dir             " + local.DefaultDataDir() + "  default"} { // the directory "" stands for
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestConfigShowViews: spk.yaml's views are shown, each with the table spk
// run writes it to, and the run.* keys they replace are said to be unused.
func TestConfigShowViews(t *testing.T) {
	dir := t.TempDir()
	yaml := "views:\n  - name: perpath\n    group_by: [path]\n    window: {size: 1m}\n    metrics: [count, sum:bytes]\n" +
		"  - name: slide\n    table: mine\n    window: {size: 5m, slide: 1m}\n    metrics: [count]\n    where: status >= 500\n"
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, dir, nil, "config", "show")
	if r.code != 0 || !strings.Contains(r.stdout, "run.group_by, run.metrics, run.window, run.slide and run.where are not used") ||
		!hasRow(r.stdout, "perpath", "my-table-perpath", "path", "1m", "count, sum:bytes") || !hasRow(r.stdout, "slide", "mine", "5m sliding every 1m", "count", "status >= 500") {
		t.Fatalf("config show: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, "config", "show", "-o", "json")
	var shown struct {
		Views []struct {
			Name, Table, Window string
			Metrics             []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || len(shown.Views) != 2 || shown.Views[0].Table != "my-table-perpath" || shown.Views[1].Window != "5m sliding every 1m" {
		t.Fatalf("config show -o json: %v\n%s", err, r.stdout)
	}
	// A view that does not compile is said so.
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte("views:\n  - name: bad\n    window: {size: 1m}\n    metrics: [median:bytes]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runIn(t, dir, nil, "config", "show")
	if r.code != 0 || !strings.Contains(r.stdout, `These views do not compile, and spk run refuses them: view "bad": metric "median:bytes": unknown metric "median"`) {
		t.Fatalf("config show of a bad view: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestConfigShowTableEscapes: a value holding a control character (a tab
// in a profile name, a newline a double-quoted YAML escape made) is shown
// escaped, so it cannot break the table's lines or drive the terminal.
func TestConfigShowTableEscapes(t *testing.T) {
	r := run(t, map[string]string{"AWS_PROFILE": "x\ty\x1b[2J"}, "config", "show")
	if r.code != 0 {
		t.Fatalf("code %d stderr %q", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stdout, "\t\x1b") || !strings.Contains(r.stdout, `Target: AWS (profile x\ty\x1b[2J,`) || !strings.Contains(r.stdout, `x\ty\x1b[2J  `) {
		t.Fatalf("the profile is not shown escaped:\n%s", r.stdout)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "spk.yaml")
	if err := os.WriteFile(bad, []byte("stream:\n  shards: lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, ExitUsage, "spk: unknown command \"frobnicate\" for \"spk\"\nhint: run 'spk --help' for usage\n"},
		{"unknown flag", []string{"version", "--frob"}, ExitUsage, "spk: unknown flag: --frob"},
		{"extra argument", []string{"config", "show", "x"}, ExitUsage, "spk: config show takes no arguments; got \"x\"\nhint: run 'spk config show --help' for usage\n"},
		{"missing argument", []string{"create-profile"}, ExitUsage, "spk: create-profile needs a profile NAME\nhint: run 'spk create-profile --help' for usage\n"},
		{"two arguments for one", []string{"create-profile", "a", "b"}, ExitUsage, "spk: create-profile takes one argument, a profile NAME; got \"a\" \"b\"\nhint: run 'spk create-profile --help' for usage\n"},
		{"two arguments for one at most", []string{"create-table", "a", "b c"}, ExitUsage, "spk: create-table takes at most one argument, a table NAME; got \"a\" \"b c\"\nhint: run 'spk create-table --help' for usage\n"},
		{"an argument to a shell's script", []string{"completion", "bash", "x"}, ExitUsage, "spk: completion bash takes no arguments; got \"x\"\nhint: run 'spk completion bash --help' for usage\n"},
		{"unknown flag of a verb", []string{"run", "--frob"}, ExitUsage, "spk: unknown flag: --frob\nhint: run 'spk run --help' for usage\n"},
		{"a mistyped shell", []string{"completion", "bahs"}, ExitUsage, `spk: unknown command "bahs" for "spk completion"; did you mean bash?`},
		{"a shell spk has no script for", []string{"completion", "tcsh"}, ExitUsage, `spk: unknown command "tcsh" for "spk completion"`},
		{"a mistyped config command", []string{"config", "shw"}, ExitUsage, `spk: unknown command "shw" for "spk config"; did you mean show?`},
		{"bad config file", []string{"config", "show", "--config", bad}, ExitUsage, `spk: configuration: ` + bad + `, line 2: key "stream.shards": expected an integer, got "lots"`},
		{"bad flag value", []string{"config", "show", "--region", "Mars"}, ExitUsage, `spk: configuration: flag --region: expected an AWS region such as us-east-1, got "Mars"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, nil, c.args...)
			// A want that ends a line is all stderr must say.
			if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.HasSuffix(c.want, "\n") && r.stderr != c.want {
				t.Fatalf("code %d (want %d), stderr:\n%s\nwant it to contain %q", r.code, c.code, r.stderr, c.want)
			}
			if r.stdout != "" {
				t.Fatalf("an error printed data on stdout: %q", r.stdout)
			}
		})
	}
}

func TestInterruptedExitCode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := exitCode(ctx, context.Canceled); got != ExitInterrupted {
		t.Fatalf("exit code %d, want %d", got, ExitInterrupted)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := run(t, nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "spk") || len(r.stdout) < 500 {
			t.Errorf("completion %s: code %d, %d bytes", shell, r.code, len(r.stdout))
		}
	}
}

// TestHelpGolden pins the help text of every command; run with -update to
// accept a change.
func TestHelpGolden(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"version", "--help"}, {"config", "--help"}, {"config", "init", "--help"}, {"config", "show", "--help"}} {
		name := strings.ReplaceAll(strings.Join(args[:len(args)-1], "_"), "-", "")
		if name == "" {
			name = "spk"
		}
		t.Run(name, func(t *testing.T) {
			r := run(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("code %d stderr %q", r.code, r.stderr)
			}
			golden := filepath.Join("testdata", "help", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd -run TestHelpGolden -update)", err)
			}
			if r.stdout != string(want) {
				t.Fatalf("help for %v changed; run with -update if intended.\n--- got\n%s\n--- want\n%s", args, r.stdout, want)
			}
		})
	}
}

// TestDoctorOnAnEndpointWithAnUnknownCertificate: a TLS endpoint whose
// certificate spk cannot check gets the certificate's fix, not a stopped
// endpoint's.
func TestDoctorOnAnEndpointWithAnUnknownCertificate(t *testing.T) {
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsServer.Close()
	r := run(t, map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}, "--endpoint-url", tlsServer.URL, "doctor")
	if r.code != ExitFailure || !strings.Contains(r.stdout, "fix: the endpoint's TLS was refused (its TLS certificate is signed by an unknown authority): give its certificate authority with AWS_CA_BUNDLE") {
		t.Fatalf("doctor: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// https:// to an endpoint that speaks plain HTTP, as spk local does.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	r = run(t, map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}, "--endpoint-url", strings.Replace(plain.URL, "http://", "https://", 1), "doctor")
	if r.code != ExitFailure || !strings.Contains(r.stdout, "fix: the endpoint does not speak TLS: use http:// in --endpoint-url or AWS_ENDPOINT_URL") {
		t.Fatalf("doctor over https to plain HTTP: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestAnEndpointThatIsNotOneFailsAtOnce: a web server where the endpoint
// should be answers 501 with an HTML page; spk says so at once, with a
// hint, after one request, instead of retrying for minutes as if the
// service were overloaded.
func TestAnEndpointThatIsNotOneFailsAtOnce(t *testing.T) {
	var requests atomic.Int32
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotImplemented)
		io.WriteString(w, "<html><body>Unsupported method ('POST')</body></html>\n")
	}))
	defer web.Close()
	r := run(t, map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}, "--endpoint-url", web.URL, "--no-tui", "create-stream")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "hint: "+retry.NotAnEndpointHint) {
		t.Fatalf("code %d, stderr:\n%s\nwant exit %d and the hint", r.code, r.stderr, ExitFailure)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("the web server was asked %d times, want once: the answer was retried", n)
	}
	// spk status and spk doctor say so too, rather than advising about
	// credentials and permissions.
	env := map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
	r = run(t, env, "--endpoint-url", web.URL, "status")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "hint: "+retry.NotAnEndpointHint) {
		t.Fatalf("status: code %d, stderr:\n%s\nwant the hint", r.code, r.stderr)
	}
	r = run(t, env, "--endpoint-url", web.URL, "doctor")
	if r.code != ExitFailure || !strings.Contains(r.stdout, "fix: "+retry.NotAnEndpointHint) || strings.Contains(r.stdout, "grant ") {
		t.Fatalf("doctor: code %d, stdout:\n%s\nwant the hint as the fix", r.code, r.stdout)
	}
}
