// Package hostport checks a TCP address written as host:port: the address
// a listener binds (spk local's and spk up's --addr, spk run's --metrics)
// and the one spk's default endpoint URL is built from.
package hostport

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Check returns why addr is not host:port with a port from 0 to 65535, or
// nil. Host names are not resolved: that needs DNS, and binding or dialing
// them says more.
func Check(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	var ae *net.AddrError
	switch {
	case errors.As(err, &ae):
		return errors.New(ae.Err) // without the address, which the caller names
	case err != nil:
		return err
	case port == "":
		return errors.New("missing port")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}
