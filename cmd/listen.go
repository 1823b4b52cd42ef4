package cmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/spk-cli/spk/config"
)

// A listener the user asked for (spk local's and spk up's --addr, spk run's
// --metrics) is part of how spk was called: an address that is not
// host:port, or one that cannot be bound (in use, not this machine's, a
// privileged port), is a usage error (exit 2), found before anything is
// created.

// checkListenAddr refuses an address no listener could take. Host names
// are not resolved here (that needs DNS); binding them says more.
func checkListenAddr(verb, setting, addr, example string) error {
	if why := listenAddrProblem(addr); why != "" {
		return usagef("", "%s: %s %q is not host:port (%s); give an address such as %s", verb, setting, addr, why, example)
	}
	return nil
}

func listenAddrProblem(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	var ae *net.AddrError
	switch {
	case errors.As(err, &ae):
		return ae.Err
	case err != nil:
		return err.Error()
	case port == "":
		return "missing port"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("port %q is not a number from 0 to 65535", port)
	}
	return ""
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
