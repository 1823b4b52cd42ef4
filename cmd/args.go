package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// The checks of a verb's arguments say what the verb wanted, in words,
// and point at its own help: cobra's ("accepts 1 arg(s), received 0")
// said neither.

// noArgs refuses any argument.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usagef(helpHint(c), "%s takes no arguments; got %s", verbName(c), quoted(args))
}

// oneArg wants exactly one argument: what, such as "a profile NAME".
func oneArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef(helpHint(c), "%s needs %s", verbName(c), what)
		case len(args) > 1:
			return usagef(helpHint(c), "%s takes one argument, %s; got %s", verbName(c), what, quoted(args))
		}
		return nil
	}
}

// optionalArg takes one argument or none: what, such as "a stream NAME".
func optionalArg(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usagef(helpHint(c), "%s takes at most one argument, %s; got %s", verbName(c), what, quoted(args))
		}
		return nil
	}
}

// exclusiveFlags refuses the named flags given together, saying why and
// what to give instead; cobra's own refusal listed them twice and said
// neither. The flags stay marked for cobra, whose completion then stops
// offering the others once one is given.
func exclusiveFlags(c *cobra.Command, why string, names ...string) {
	c.MarkFlagsMutuallyExclusive(names...)
	next := c.PreRunE
	c.PreRunE = func(c *cobra.Command, args []string) error {
		var given []string
		for _, n := range names {
			if c.Flags().Changed(n) {
				given = append(given, "--"+n)
			}
		}
		if len(given) > 1 {
			return usagef("", "%s: %s cannot be used together: %s", verbName(c), andList(given), why)
		}
		if next != nil {
			return next(c, args)
		}
		return nil
	}
}

// helpHint points at the help of the verb that was run.
func helpHint(c *cobra.Command) string {
	return "run '" + c.CommandPath() + " --help' for usage"
}

// verbName is the command's path without "spk", as spk's errors start.
func verbName(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
}

// quoted lists arguments as typed, each quoted.
func quoted(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}

// andList writes "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
