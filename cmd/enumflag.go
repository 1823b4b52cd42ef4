package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/config"
)

// enumValue is a flag that takes one of a few words, in any letter case
// (--output JSON, --initial-position latest); it stores the canonical
// spelling, so everything after the flag sees one form.
type enumValue struct {
	p       *string
	allowed []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }

func (e *enumValue) Set(s string) error {
	if v, ok := canonicalEnum(s, e.allowed); ok {
		*e.p = v
		return nil
	}
	return &enumError{allowed: e.allowed}
}

// canonicalEnum finds s among allowed, ignoring case and surrounding space.
func canonicalEnum(s string, allowed []string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, true
		}
	}
	return "", false
}

// enumError lists the values a flag accepts.
type enumError struct{ allowed []string }

func (e *enumError) Error() string { return "expected " + orList(e.allowed) }

// orList writes "a", "a or b", "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// enumFlag defines --name (and -short) on c taking one of allowed, with its
// completion; p starts at def.
func enumFlag(c *cobra.Command, p *string, name, short, def, usage string, allowed ...string) {
	*p = def
	c.Flags().VarP(&enumValue{p: p, allowed: allowed}, name, short, usage)
	completeWords(c, name, allowed...)
}

// outputFlag is -o/--output, the same on every verb that reports a result.
func outputFlag(c *cobra.Command, p *string, def string, allowed ...string) {
	enumFlag(c, p, "output", "o", def, "output format: "+orList(allowed), allowed...)
}

// completeWords completes a flag's value from a fixed list. Values are
// taken in any case, so the words matching what was typed, ignoring case,
// are offered in the case it was typed in: shells match completions
// case-sensitively, and `latest` would otherwise complete to nothing.
func completeWords(c *cobra.Command, flag string, words ...string) {
	_ = c.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, w := range words {
			switch {
			case strings.HasPrefix(w, typed):
				out = append(out, w)
			case len(w) < len(typed) || !strings.EqualFold(w[:len(typed)], typed):
			case typed == strings.ToLower(typed):
				out = append(out, strings.ToLower(w))
			case typed == strings.ToUpper(typed):
				out = append(out, strings.ToUpper(w))
			default:
				out = append(out, typed+w[len(typed):])
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// choicesOf are the values config accepts for the key: spk's enum flags
// take their lists from there, so a flag, its completion and the check of
// spk.yaml and SPK_* variables never disagree.
func choicesOf(key string) []string {
	k, ok := config.KeyByName(key)
	if !ok || len(k.Choices) == 0 {
		panic("config has no enum key " + key)
	}
	return k.Choices
}
