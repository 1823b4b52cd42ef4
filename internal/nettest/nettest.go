// Package nettest holds network helpers for tests of servers.
package nettest

import "net"

// SmallSendBuffers gives the connections a listener accepts small send
// buffers (4 KiB), so that a server's write to a client that does not read
// blocks at once rather than after the kernel's megabytes.
type SmallSendBuffers struct{ net.Listener }

// Accept accepts a connection and shrinks its send buffer.
func (l SmallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}
