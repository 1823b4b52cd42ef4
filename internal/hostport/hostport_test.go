package hostport

import "testing"

func TestCheck(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"127.0.0.1:4566", ""},
		{"localhost:0", ""},
		{"[::1]:65535", ""},
		{":4566", ""},
		{"127.0.0.1", "missing port in address"},
		{"", "missing port in address"},
		{"127.0.0.1:", "missing port"},
		{"127.0.0.1:99999", `port "99999" is not a number from 0 to 65535`},
		{"127.0.0.1:http", `port "http" is not a number from 0 to 65535`},
		{"::1:4566", "too many colons in address"},
	} {
		t.Run(c.addr, func(t *testing.T) {
			got := ""
			if err := Check(c.addr); err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Fatalf("Check(%q) = %q, want %q", c.addr, got, c.want)
			}
		})
	}
}
