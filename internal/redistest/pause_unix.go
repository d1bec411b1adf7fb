//go:build unix

package redistest

import "syscall"

// Pause stops the server without closing its socket (SIGSTOP): clients
// connect and send, and no answer comes, as with a stalled or
// partitioned Redis. Resume lets it go on; Kill works on a paused server.
func (s *Server) Pause() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGCONT)
	}
}
