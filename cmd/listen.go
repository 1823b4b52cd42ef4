package cmd

import (
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/hostport"
)

// A listener the user asked for (spk local's and spk up's --addr, spk run's
// --metrics) is part of how spk was called: an address that is not
// host:port, or one that cannot be bound (in use, not this machine's, a
// privileged port), is a usage error (exit 2), found before anything is
// created.

// checkListenAddr refuses an address no listener could take. Host names
// are not resolved here (that needs DNS); binding them says more. (--addr
// is checked as local.addr when the configuration is loaded: every verb's
// default endpoint is built from it.)
func checkListenAddr(verb, setting, addr, example string) error {
	if err := hostport.Check(addr); err != nil {
		return usagef("", "%s: %s %q is not host:port (%v); give an address such as %s", verb, setting, addr, err, example)
	}
	return nil
}

// listenFailure turns a failed bind of an address the user gave into a
// usage error that says why and what to do; other errors pass through.
func listenFailure(verb, setting, addr, flag string, err error) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" {
		return err
	}
	why := op.Err.Error()
	var sys *os.SyscallError
	if errors.As(op.Err, &sys) {
		why = sys.Err.Error()
	}
	fix := "stop what listens there, or choose another address with " + flag
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		fix = "it is not an address of this machine: use 127.0.0.1 or one of its own, with " + flag
	}
	return usagef("", "%s: cannot listen on %s %s: %s; %s", verb, setting, addr, why, fix)
}

// settingName names where a configuration value came from, as a user
// would look for it: the flag, the environment variable or the file key.
func settingName(cfg *config.Loaded, key, flag string) string {
	src := cfg.Sources[key]
	switch src.Kind {
	case config.FromFlag:
		return "--" + flag
	case config.FromEnv:
		return src.Detail
	case config.FromFile:
		return key + " (" + src.Detail + ")"
	}
	return key
}
