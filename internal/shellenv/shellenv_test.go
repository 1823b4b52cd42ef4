package shellenv

import (
	"os/exec"
	"strings"
	"testing"
)

// hostile holds everything a shell might act on inside a value.
const hostile = `a'b"c$HOME` + "`id`" + `\n\\ *?[x] ~ ; & | ‘q’ ‚r‛ é`

func TestSetQuotesForEachShell(t *testing.T) {
	cases := []struct {
		d    Dialect
		want string
	}{
		{Sh, `export V='a'\''b"c$HOME` + "`id`" + `\n\\ *?[x] ~ ; & | ‘q’ ‚r‛ é'`},
		{Bash, `export V='a'\''b"c$HOME` + "`id`" + `\n\\ *?[x] ~ ; & | ‘q’ ‚r‛ é'`},
		{Fish, `set -gx V 'a\'b"c$HOME` + "`id`" + `\\n\\\\ *?[x] ~ ; & | ‘q’ ‚r‛ é'`},
		{PowerShell, `$Env:V = 'a''b"c$HOME` + "`id`" + `\n\\ *?[x] ~ ; & | ‘‘q’’ ‚‚r‛‛ é'`},
	}
	for _, c := range cases {
		t.Run(string(c.d), func(t *testing.T) {
			got, err := c.d.Set("V", hostile)
			if err != nil || got != c.want {
				t.Fatalf("got  %s (%v)\nwant %s", got, err, c.want)
			}
		})
	}
}

// TestShReadsTheValueBack evaluates the line in real POSIX shells.
func TestShReadsTheValueBack(t *testing.T) {
	line, err := Sh.Set("V", hostile)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, shell := range []string{"sh", "dash", "bash", "zsh"} {
		path, err := exec.LookPath(shell)
		if err != nil {
			continue
		}
		ran++
		out, err := exec.Command(path, "-c", `eval "$1"; printf %s "$V"`, shell, line).Output()
		if err != nil || string(out) != hostile {
			t.Errorf("%s read back %q (%v), want %q", shell, out, err, hostile)
		}
	}
	if ran == 0 {
		t.Fatal("no POSIX shell to check with")
	}
}

func TestSetRefusals(t *testing.T) {
	if _, err := Sh.Set("V", "a\nb"); err == nil || err.Error() != "the value of V has a control character" {
		t.Fatalf("newline: %v", err)
	}
	if _, err := Fish.Set("1V", "x"); err == nil || err.Error() != `"1V" is not an environment variable name` {
		t.Fatalf("name: %v", err)
	}
}

func TestUnset(t *testing.T) {
	cases := map[Dialect]string{
		Sh:         "unset A B",
		Zsh:        "unset A B",
		Fish:       "set -e A B",
		PowerShell: "Remove-Item Env:A -ErrorAction SilentlyContinue\nRemove-Item Env:B -ErrorAction SilentlyContinue",
	}
	for d, want := range cases {
		if got := strings.Join(d.Unset("A", "B"), "\n"); got != want {
			t.Errorf("%s: got %q want %q", d, got, want)
		}
	}
	if got := Sh.Unset(); got != nil {
		t.Errorf("nothing to unset: %q", got)
	}
}

func TestDetectAndParse(t *testing.T) {
	for shell, want := range map[string]Dialect{"": Sh, "/bin/sh": Sh, "/bin/dash": Sh, "/usr/bin/bash": Bash, "/bin/zsh": Zsh,
		"/opt/homebrew/bin/fish": Fish, "/usr/bin/pwsh": PowerShell, `C:\Program Files\PowerShell\7\pwsh.exe`: PowerShell, "/bin/tcsh": Sh} {
		if got := DetectOn("linux", shell); got != want {
			t.Errorf("Detect(%q) = %s, want %s", shell, got, want)
		}
	}
	// Windows' shells set no $SHELL: PowerShell is its own; Git Bash's
	// $SHELL is read as anywhere else.
	if got := DetectOn("windows", ""); got != PowerShell {
		t.Errorf("on Windows without $SHELL: %s, want powershell", got)
	}
	if got := DetectOn("windows", "/usr/bin/bash"); got != Bash {
		t.Errorf("on Windows in Git Bash: %s, want bash", got)
	}
	for name, want := range map[string]Dialect{"sh": Sh, "BASH": Bash, "pwsh": PowerShell, "powershell": PowerShell, "fish": Fish} {
		if got, ok := Parse(name); !ok || got != want {
			t.Errorf("Parse(%q) = %s %v", name, got, ok)
		}
	}
	if _, ok := Parse("csh"); ok {
		t.Error("csh accepted")
	}
}

func TestCommentCannotEndEarly(t *testing.T) {
	if got := Sh.Comment("profile a\nrm -rf x\x1b[2J"); got != `# profile a\nrm -rf x\x1b[2J` {
		t.Fatalf("got %q", got)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"my-table": "my-table", "http://127.0.0.1:4567": "http://127.0.0.1:4567", "": "''",
		"two words": "'two words'", "it's": `'it'\''s'`, "$(rm)": "'$(rm)'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
