package profile

import (
	"regexp"
	"strings"
	"testing"
)

// validName and validKeyID answer as the patterns they stand for.
func TestNameChecksMatchTheirPatterns(t *testing.T) {
	nameRE := regexp.MustCompile(`^[A-Za-z0-9_.@+\-]{1,64}$`)
	keyIDRE := regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
	inputs := []string{"", "p", "my profile", "a@b+c.d_e-f", "dev/1", "é", "p\n", "AKIAIOSFODNN7EXAMPLE", "AKIA-OSFODNN7EXAMPLE",
		strings.Repeat("a", 15), strings.Repeat("a", 16), strings.Repeat("a", 64), strings.Repeat("a", 65),
		strings.Repeat("A", 128), strings.Repeat("A", 129)}
	for _, in := range inputs {
		if got, want := validName(in), nameRE.MatchString(in); got != want {
			t.Errorf("validName(%q) = %v, want %v", in, got, want)
		}
		if got, want := validKeyID(in), keyIDRE.MatchString(in); got != want {
			t.Errorf("validKeyID(%q) = %v, want %v", in, got, want)
		}
	}
}
