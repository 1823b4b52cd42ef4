// Package shellenv writes lines that set and unset environment variables in
// the syntax of one shell: POSIX sh (also bash and zsh), fish or PowerShell.
// Values are quoted so that the shell reads them back byte for byte.
package shellenv

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spk-cli/spk/internal/termsafe"
)

// Dialect is a shell's syntax for environment variables.
type Dialect string

// The dialects. Bash and zsh read POSIX sh's export and unset.
const (
	Sh         Dialect = "sh"
	Bash       Dialect = "bash"
	Zsh        Dialect = "zsh"
	Fish       Dialect = "fish"
	PowerShell Dialect = "powershell"
)

// Names lists the accepted --shell values, for messages.
const Names = "sh, bash, zsh, fish or powershell"

// Parse reads a --shell value.
func Parse(name string) (Dialect, bool) {
	switch d := Dialect(strings.ToLower(name)); d {
	case Sh, Bash, Zsh, Fish, PowerShell:
		return d, true
	case "pwsh":
		return PowerShell, true
	}
	return "", false
}

// Detect picks the dialect of a login shell path such as $SHELL; anything
// it does not know reads POSIX sh, except no shell at all on Windows, whose
// shells set no $SHELL: PowerShell, its own.
func Detect(shell string) Dialect { return DetectOn(runtime.GOOS, shell) }

// DetectOn is Detect on the system goos.
func DetectOn(goos, shell string) Dialect {
	if shell == "" && goos == "windows" {
		return PowerShell
	}
	// Either separator: a Windows path reads the same on every system.
	base := shell[strings.LastIndexAny(shell, `/\`)+1:]
	base = strings.TrimSuffix(strings.ToLower(base), ".exe")
	switch base {
	case "bash":
		return Bash
	case "zsh":
		return Zsh
	case "fish":
		return Fish
	case "pwsh", "powershell":
		return PowerShell
	}
	return Sh
}

// Set returns the line that sets and exports name to value. A value with a
// control character is refused: some shells read their input line by line.
func (d Dialect) Set(name, value string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("%q is not an environment variable name", name)
	}
	for _, r := range value {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("the value of %s has a control character", name)
		}
	}
	switch d {
	case Fish:
		return "set -gx " + name + " " + fishQuote(value), nil
	case PowerShell:
		return "$Env:" + name + " = " + powerShellQuote(value), nil
	}
	return "export " + name + "=" + shQuote(value), nil
}

// Unset returns the lines that remove the variables, quietly when one is
// not set.
func (d Dialect) Unset(names ...string) []string {
	if len(names) == 0 {
		return nil
	}
	switch d {
	case Fish:
		return []string{"set -e " + strings.Join(names, " ")}
	case PowerShell:
		lines := make([]string, len(names))
		for i, n := range names {
			lines[i] = "Remove-Item Env:" + n + " -ErrorAction SilentlyContinue"
		}
		return lines
	}
	return []string{"unset " + strings.Join(names, " ")}
}

// Comment returns text as a comment line, which every dialect starts with
// '#'. Characters a terminal would act on are escaped, and a line break
// cannot end the comment early.
func (d Dialect) Comment(text string) string {
	return "# " + termsafe.Escape(text)
}

// Eval is how a user loads spk's output of cmd (e.g. "spk env") into this
// shell.
func (d Dialect) Eval(cmd string) string {
	switch d {
	case Fish:
		return cmd + " --shell fish | source"
	case PowerShell:
		return cmd + " --shell powershell | Out-String | Invoke-Expression"
	}
	return `eval "$(` + cmd + `)"`
}

// Quote quotes s for a POSIX shell, when it needs it.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+", r))
	}) < 0 {
		return s
	}
	return shQuote(s)
}

// shQuote single-quotes s; a single quote inside ends the quoting, is
// escaped with a backslash and starts it again.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote single-quotes s; inside fish's single quotes only \ and ' are
// special, and a backslash escapes them.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// powerShellQuote single-quotes s. PowerShell also takes the typographic
// single quotes (U+2018 to U+201B) as quotes; each is escaped by doubling.
func powerShellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func validName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
