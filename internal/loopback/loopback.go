// Package loopback tells whether a Host header names this machine: the
// preview server and a decisioning service without API keys answer only
// such requests, so that a web page elsewhere cannot reach them through
// DNS rebinding.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether hostport (a Host header, with or without a port)
// is localhost or a loopback address.
func Host(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
