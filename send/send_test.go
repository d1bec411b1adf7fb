package send

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offermail/offermail/render/message"
)

const sender = "Trail & Road <news@shop.example.com>"

// mimeFor builds a real message for to; its text has a line starting with
// a dot, which SMTP must escape and unescape.
func mimeFor(t *testing.T, to string) []byte {
	t.Helper()
	m := message.Message{
		From: sender, To: to, Subject: "Hello " + to,
		Date:      time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
		MessageID: message.MessageID("june\x00"+to, sender),
		HTML:      "<p>Hi</p>", Text: "Hi\n.hidden dot line\n",
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newSender(t *testing.T, cfg Config) *Sender {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSendDelivers(t *testing.T) {
	ts := startServer(t, serverOpts{})
	s := newSender(t, Config{Host: ts.host, Port: ts.port})
	rcpts := []string{"Ann Lee <ann@example.org>", "bob@example.org", `"odd name"@example.org`}
	sent := map[string][]byte{}
	for _, to := range rcpts {
		msg := mimeFor(t, to)
		if err := s.Send(context.Background(), sender, to, msg); err != nil {
			t.Fatalf("Send(%q): %v", to, err)
		}
		a, _ := mail.ParseAddress(to)
		sent[a.Address] = msg
	}
	got := ts.received()
	if len(got) != len(rcpts) {
		t.Fatalf("server received %d messages, want %d", len(got), len(rcpts))
	}
	for _, r := range got {
		if r.from != "news@shop.example.com" {
			t.Errorf("envelope sender = %q, want %q", r.from, "news@shop.example.com")
		}
		want, ok := sent[r.to]
		if !ok {
			t.Errorf("envelope recipient %q was not sent to", r.to)
			continue
		}
		if !bytes.Equal(r.data, want) {
			t.Errorf("message to %s arrived as\n%s\nwant\n%s", r.to, r.data, want)
		}
		if _, err := mail.ReadMessage(bytes.NewReader(r.data)); err != nil {
			t.Errorf("message to %s does not parse: %v", r.to, err)
		}
	}
	if len(ts.conns) != 1 {
		t.Errorf("server saw %d connections, want 1 reused", len(ts.conns))
	}
}

func TestSendAuthPlain(t *testing.T) {
	tests := []struct {
		user, pass string
		ok         bool
	}{
		{"ann", "s3cret", true},
		{"ann", "wrong", false},
	}
	for _, tt := range tests {
		ts := startServer(t, serverOpts{users: map[string]string{"ann": "s3cret"}})
		clock := newFakeClock()
		s := newSender(t, Config{Host: ts.host, Port: ts.port, Username: tt.user, Password: tt.pass, Clock: clock})
		err := s.Send(context.Background(), sender, "bob@example.org", mimeFor(t, "bob@example.org"))
		_, _, _, auths := ts.counts()
		if tt.ok {
			if err != nil {
				t.Fatalf("Send with %s:%s: %v", tt.user, tt.pass, err)
			}
			if got := ts.received(); len(got) != 1 || got[0].user != tt.user {
				t.Errorf("received %+v, want one message from user %q", got, tt.user)
			}
			continue
		}
		var rej *RejectError
		var retry *RetryError
		if err == nil || errors.As(err, &rej) || errors.As(err, &retry) || !strings.Contains(err.Error(), "535") {
			t.Errorf("Send with a wrong password = %v, want a 535 that is neither a reject nor retried", err)
		}
		if auths != 1 || len(clock.slept()) != 0 {
			t.Errorf("wrong password tried %d times, slept %v, want once without waiting", auths, clock.slept())
		}
		if strings.Contains(fmt.Sprint(err), tt.pass) {
			t.Errorf("error %q shows the password", err)
		}
	}
}

// stageHook installs fail as the answer hook of an SMTP command.
func stageHook(ts *testServer, command string, fail func(int) error) {
	switch command {
	case "MAIL FROM":
		ts.onMail = fail
	case "RCPT TO":
		ts.onRcpt = fail
	case "DATA":
		ts.onData = fail
	}
}

func stageCount(ts *testServer, command string) int {
	mails, rcpts, datas, _ := ts.counts()
	return map[string]int{"MAIL FROM": mails, "RCPT TO": rcpts, "DATA": datas}[command]
}

func TestSendRetriesTransient(t *testing.T) {
	for _, command := range []string{"MAIL FROM", "RCPT TO", "DATA"} {
		ts := startServer(t, serverOpts{})
		stageHook(ts, command, func(n int) error {
			if n <= 2 {
				return smtpErr(451, [3]int{4, 3, 0}, "Try again later")
			}
			return nil
		})
		clock := newFakeClock()
		s := newSender(t, Config{Host: ts.host, Port: ts.port, Clock: clock})
		if err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org")); err != nil {
			t.Fatalf("451 twice at %s: Send = %v, want nil", command, err)
		}
		if got := len(ts.received()); got != 1 {
			t.Errorf("451 twice at %s: server accepted %d messages, want 1", command, got)
		}
		if got := stageCount(ts, command); got != 3 {
			t.Errorf("451 twice at %s: %s sent %d times, want 3", command, command, got)
		}
		if got, want := clock.slept(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
			t.Errorf("451 twice at %s: waited %v, want %v", command, got, want)
		}
	}
}

func TestSendRejectsPermanent(t *testing.T) {
	tests := []struct {
		command string
		answer  error
		want    RejectError
	}{
		{"MAIL FROM", smtpErr(553, [3]int{5, 1, 8}, "Sender domain unknown"),
			RejectError{"MAIL FROM", 553, "5.1.8", "Sender domain unknown"}},
		{"RCPT TO", smtpErr(550, [3]int{5, 1, 1}, "No such user here"),
			RejectError{"RCPT TO", 550, "5.1.1", "No such user here"}},
		{"DATA", smtpErr(554, [3]int{5, 7, 1}, "Message refused as spam"),
			RejectError{"DATA", 554, "5.7.1", "Message refused as spam"}},
	}
	for _, tt := range tests {
		ts := startServer(t, serverOpts{})
		stageHook(ts, tt.command, func(n int) error {
			if n == 1 {
				return tt.answer
			}
			return nil
		})
		clock := newFakeClock()
		s := newSender(t, Config{Host: ts.host, Port: ts.port, Clock: clock})
		err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org"))
		var rej *RejectError
		if !errors.As(err, &rej) || *rej != tt.want {
			t.Errorf("%d at %s: Send = %#v, want %#v", tt.want.Code, tt.command, err, &tt.want)
		}
		if got := stageCount(ts, tt.command); got != 1 || len(clock.slept()) != 0 {
			t.Errorf("%d at %s: sent %d times and waited %v, want once, no retry", tt.want.Code, tt.command, got, clock.slept())
		}
		// The connection is still good for the next message.
		if err := s.Send(context.Background(), sender, "bob@example.org", mimeFor(t, "bob@example.org")); err != nil {
			t.Errorf("%d at %s: next Send = %v", tt.want.Code, tt.command, err)
		}
		if len(ts.received()) != 1 || len(ts.conns) != 1 {
			t.Errorf("%d at %s: next message: %d received over %d connections, want 1 over 1",
				tt.want.Code, tt.command, len(ts.received()), len(ts.conns))
		}
	}
}

func TestSendGivesUp(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.onRcpt = func(int) error { return smtpErr(451, [3]int{4, 4, 5}, "Mailbox busy") }
	clock := newFakeClock()
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Attempts: 3, Clock: clock})
	err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org"))
	var retry *RetryError
	var tp *textproto.Error
	if !errors.As(err, &retry) || retry.Attempts != 3 || !errors.As(err, &tp) || tp.Code != 451 {
		t.Errorf("always 451: Send = %v, want a RetryError after 3 attempts wrapping the 451", err)
	}
	if got, want := clock.slept(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("always 451: waited %v, want %v", got, want)
	}
}

func TestSendReconnectsAfter421(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.onMail = func(n int) error {
		if n == 1 {
			return smtpErr(421, [3]int{4, 3, 2}, "Closing connection")
		}
		return nil
	}
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Clock: newFakeClock()})
	if err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org")); err != nil {
		t.Fatalf("421 once: Send = %v", err)
	}
	if len(ts.received()) != 1 || len(ts.conns) != 2 {
		t.Errorf("421 once: %d received over %d connections, want 1 over a new second one", len(ts.received()), len(ts.conns))
	}
}

func TestSendStaleConnection(t *testing.T) {
	first := startServer(t, serverOpts{})
	clock := newFakeClock()
	s := newSender(t, Config{Host: first.host, Port: first.port, Attempts: 1, Clock: clock})
	if err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org")); err != nil {
		t.Fatal(err)
	}
	// The server goes away, dropping the pooled connection, and comes back.
	first.srv.Close()
	second := startServer(t, serverOpts{addr: first.addr()})
	if err := s.Send(context.Background(), sender, "bob@example.org", mimeFor(t, "bob@example.org")); err != nil {
		t.Fatalf("Send over a dropped pooled connection with Attempts 1 = %v, want a reconnect", err)
	}
	if len(second.received()) != 1 || len(clock.slept()) != 0 {
		t.Errorf("after reconnect: %d received, waited %v; want 1 without waiting", len(second.received()), clock.slept())
	}
}

func TestSendInvalidEnvelope(t *testing.T) {
	ts := startServer(t, serverOpts{})
	s := newSender(t, Config{Host: ts.host, Port: ts.port})
	for _, env := range [][2]string{{"not an address", "ann@example.org"}, {sender, "ann@"}} {
		if err := s.Send(context.Background(), env[0], env[1], []byte("x")); err == nil {
			t.Errorf("Send(%q, %q) = nil, want an error", env[0], env[1])
		}
	}
	if len(ts.conns) != 0 {
		t.Errorf("invalid envelopes opened %d connections, want none", len(ts.conns))
	}
}

func TestSendPoolLimitsConnections(t *testing.T) {
	ts := startServer(t, serverOpts{})
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Conns: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for w := range 10 {
		wg.Go(func() {
			for i := range 3 {
				to := fmt.Sprintf("u%d-%d@example.org", w, i)
				errs <- s.Send(context.Background(), sender, to, mimeFor(t, to))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.got) != 30 || ts.maxActive > 3 || len(ts.conns) > 3 {
		t.Errorf("30 messages with Conns 3: %d received, %d connections at once, %d in all; want 30, <= 3, <= 3",
			len(ts.got), ts.maxActive, len(ts.conns))
	}
}

func TestSendRateLimit(t *testing.T) {
	ts := startServer(t, serverOpts{})
	clock := newFakeClock()
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Conns: 4, Rate: 10, Clock: clock})
	var wg sync.WaitGroup
	for i := range 21 {
		wg.Go(func() {
			to := fmt.Sprintf("u%d@example.org", i)
			if err := s.Send(context.Background(), sender, to, mimeFor(t, to)); err != nil {
				t.Errorf("Send: %v", err)
			}
		})
	}
	wg.Wait()
	// 21 messages at 10 per second: the first goes at once, the other 20
	// take 0.1 s each, whatever the concurrency.
	if got := len(ts.received()); got != 21 {
		t.Errorf("received %d messages, want 21", got)
	}
	if got := clock.elapsed(); got != 2*time.Second {
		t.Errorf("21 messages at 10/s took %v of clock time, want 2s", got)
	}
}

func TestSendTLS(t *testing.T) {
	cert, roots := selfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	trusted := &tls.Config{RootCAs: roots}
	tests := []struct {
		name    string
		srv     serverOpts
		cfg     Config
		wantTLS bool
		wantErr string
	}{
		{"STARTTLS offered and used", serverOpts{startTLS: serverTLS}, Config{TLSConfig: trusted}, true, ""},
		{"STARTTLS offered, tls=none", serverOpts{startTLS: serverTLS}, Config{TLS: TLSNone}, false, ""},
		{"no STARTTLS, opportunistic", serverOpts{}, Config{}, false, ""},
		{"no STARTTLS, mandatory", serverOpts{}, Config{TLS: TLSMandatory}, false, "STARTTLS"},
		{"untrusted certificate", serverOpts{startTLS: serverTLS}, Config{}, false, "certificate"},
		{"implicit TLS with AUTH PLAIN", serverOpts{implicit: serverTLS, users: map[string]string{"ann": "pw"}},
			Config{TLS: TLSImplicit, TLSConfig: trusted, Username: "ann", Password: "pw"}, true, ""},
	}
	for _, tt := range tests {
		ts := startServer(t, tt.srv)
		clock := newFakeClock()
		tt.cfg.Host, tt.cfg.Port, tt.cfg.Clock = ts.host, ts.port, clock
		s := newSender(t, tt.cfg)
		err := s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org"))
		if tt.wantErr != "" {
			var retry *RetryError
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.As(err, &retry) || len(clock.slept()) != 0 {
				t.Errorf("%s: Send = %v, want an error about %s, not retried", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Send = %v", tt.name, err)
			continue
		}
		if got := ts.received(); len(got) != 1 || got[0].tls != tt.wantTLS {
			t.Errorf("%s: received %d messages, TLS %v; want 1 with TLS %v", tt.name, len(got), len(got) == 1 && got[0].tls, tt.wantTLS)
		}
	}
}

func TestSendRetriesRefusedConnection(t *testing.T) {
	// A port that was free a moment ago: nothing listens there now.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	clock := newFakeClock()
	s := newSender(t, Config{Host: "127.0.0.1", Port: port, Attempts: 2, Clock: clock})
	err = s.Send(context.Background(), sender, "ann@example.org", mimeFor(t, "ann@example.org"))
	var retry *RetryError
	if !errors.As(err, &retry) || retry.Attempts != 2 {
		t.Errorf("Send to a closed port = %v, want a RetryError after 2 attempts", err)
	}
	if got, want := clock.slept(), []time.Duration{time.Second}; !slices.Equal(got, want) {
		t.Errorf("Send to a closed port waited %v, want %v", got, want)
	}
}
