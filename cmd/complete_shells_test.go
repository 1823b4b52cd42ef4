package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionScriptsInTheirShells: each shell's script, loaded as its
// users load it, completes a flag's values and a verb with its
// description by calling the binary back, as Tab does. CI installs the
// shells; elsewhere a shell that is missing is skipped.
func TestCompletionScriptsInTheirShells(t *testing.T) {
	t.Parallel() // waits on shells, not the CPU; changes no process-wide state
	bin := buildSpk(t)
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	for _, c := range []struct {
		shell  string
		needs  string // a file the shell's script needs, besides the shell
		script string
		sep    string // between a candidate and its description
	}{
		{"bash", bashCompletion, `source ` + bashCompletion + `
source <(spk completion bash)
tab() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; __start_spk 2>/dev/null; printf '%s\n' "${COMPREPLY[@]}"; }
tab spk up --example ""
tab spk cre`, ""},
		// zsh draws candidates through _describe and compadd, which need a
		// completion widget: stand-ins print what they are given.
		{"zsh", "", `autoload -U compinit && compinit -u -D
source <(spk completion zsh)
compadd() { print -rl -- "$@" }
_describe() { while [[ $1 == -* ]]; do shift; done; print -rl -- "${(@P)2}" }
words=(spk up --example ""); CURRENT=4; _spk
words=(spk cre); CURRENT=2; _spk`, ":"},
		{"fish", "", `spk completion fish | source
complete -C "spk up --example "
complete -C "spk cre"`, "\t"},
	} {
		t.Run(c.shell, func(t *testing.T) {
			t.Parallel()
			path, err := exec.LookPath(c.shell)
			if err == nil && c.needs != "" {
				_, err = os.Stat(c.needs)
			}
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("%s: %v (.ci/run installs it)", c.shell, err)
				}
				t.Skipf("%s: %v", c.shell, err)
			}
			cmd := exec.Command(path, "-c", c.script)
			home := t.TempDir()
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+home, "XDG_CONFIG_HOME="+home,
				"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.shell, err, out)
			}
			var names []string
			descs := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				name, desc := line, ""
				if c.sep != "" {
					name, desc, _ = strings.Cut(line, c.sep)
				}
				names = append(names, name)
				descs[name] = desc
			}
			if got := strings.Join(names, " "); got != "weblog create-profile create-stream create-table" {
				t.Fatalf("%s completes %q, want the example and the create- verbs:\n%s", c.shell, got, out)
			}
			if want := "Create the Kinesis stream and wait until it is ACTIVE (tutorial step 3)"; c.sep != "" && descs["create-stream"] != want {
				t.Fatalf("%s describes create-stream as %q, want %q", c.shell, descs["create-stream"], want)
			}
		})
	}
}
