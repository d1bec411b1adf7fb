package preview

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// serveReal serves a project with the given timeouts on a loopback
// listener, as mailpreview serve does.
func serveReal(t *testing.T, to Timeouts) (*Server, string) {
	t.Helper()
	p := newProject(t)
	srv, err := New(p.config())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer(to)
	go hs.Serve(ln)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return srv, ln.Addr().String()
}

// closedBy reports whether the server closes conn before a generous
// deadline: a read that ends in EOF or a reset. No test asserts how long
// it took.
func closedBy(t *testing.T, conn net.Conn, r *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	conn.SetReadDeadline(deadline)
	for {
		_, err := r.ReadByte()
		var ne net.Error
		switch {
		case err == nil:
			continue // an answer (408) may come first
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("the connection is still open at the deadline")
		}
		return // io.EOF or a reset: closed
	}
}

// TestTimeouts: a client sending its body slowly, and one keeping an idle
// connection open after a request, are disconnected (issue 13, item 12);
// the event stream, which writes rarely, outlives the write timeout.
func TestTimeouts(t *testing.T) {
	to := Timeouts{ReadHeader: 300 * time.Millisecond, Read: 300 * time.Millisecond, Write: 300 * time.Millisecond, Idle: 300 * time.Millisecond}
	srv, addr := serveReal(t, to)

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /api/render HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		// The rest of the body never comes.
		closedBy(t, conn, bufio.NewReader(conn))
	})

	t.Run("slow headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: local")
		closedBy(t, conn, bufio.NewReader(conn))
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /api/state HTTP/1.1\r\nHost: localhost\r\n\r\n")
		r := bufio.NewReader(conn)
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Close {
			t.Fatalf("GET /api/state = %d (close %v), want 200 on a kept-alive connection", res.StatusCode, res.Close)
		}
		closedBy(t, conn, r)
	})

	t.Run("event stream", func(t *testing.T) {
		res, err := http.Get("http://" + addr + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		r := bufio.NewReader(res.Body)
		// The stream opens with retry and the version.
		for range 5 {
			if _, err := r.ReadString('\n'); err != nil {
				t.Fatalf("event stream: %v", err)
			}
		}
		// Past the write timeout, a reload still reaches the page.
		time.Sleep(3 * to.Write)
		srv.Reload()
		line, err := r.ReadString('\n')
		if err != nil || line != "event: version\n" {
			t.Fatalf("event stream after the write timeout: %q, %v; want the version event", line, err)
		}
	})
}
