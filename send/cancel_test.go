package send

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// returnsAfterCancel runs send, cancels its context once started reports
// (or at once if started is nil), and checks that send gives up with the
// context's error. The wait below is a safety net against a hang, not a
// measurement.
func returnsAfterCancel(t *testing.T, name string, started <-chan struct{}, send func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- send(ctx) }()
	if started != nil {
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("%s: Send returned %v before it began to wait", name, err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Send after cancel = %v, want context.Canceled", name, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Send still running 10s after cancel", name)
	}
}

func TestSendCancelWaitingForServer(t *testing.T) {
	ts := startServer(t, serverOpts{})
	entered, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) })
	ts.onData = func(int) error {
		close(entered)
		<-release // answer the DATA only after the test
		return nil
	}
	s := newSender(t, Config{Host: ts.host, Port: ts.port})
	msg := mimeFor(t, "ann@example.org")
	// The whole message is with the server, which may still accept it:
	// the cancelled Send says so (an UnknownError) besides its cause.
	returnsAfterCancel(t, "in DATA", entered, func(ctx context.Context) error {
		err := s.Send(ctx, sender, "ann@example.org", msg)
		var unknown *UnknownError
		if !errors.As(err, &unknown) {
			t.Errorf("Send cancelled waiting for the answer to DATA = %v, want an UnknownError", err)
		}
		return err
	})
}

func TestSendCancelWaitingForGreeting(t *testing.T) {
	// A server that accepts the connection and never says a word.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted := make(chan struct{})
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		close(accepted)
	}()
	addr := l.Addr().(*net.TCPAddr)
	s := newSender(t, Config{Host: "127.0.0.1", Port: addr.Port})
	returnsAfterCancel(t, "in greeting", accepted, func(ctx context.Context) error {
		return s.Send(ctx, sender, "ann@example.org", []byte("Subject: x\r\n\r\nx\r\n"))
	})
}

func TestSendCancelWaitingForRetry(t *testing.T) {
	ts := startServer(t, serverOpts{})
	refused := make(chan struct{})
	ts.onMail = func(n int) error {
		if n == 1 {
			close(refused)
		}
		return smtpErr(451, [3]int{4, 3, 0}, "Try again later")
	}
	// The real clock: the first retry would come after an hour.
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Backoff: time.Hour})
	msg := mimeFor(t, "ann@example.org")
	returnsAfterCancel(t, "in backoff", refused, func(ctx context.Context) error {
		return s.Send(ctx, sender, "ann@example.org", msg)
	})
}

func TestSendCancelWaitingForRate(t *testing.T) {
	ts := startServer(t, serverOpts{})
	// The real clock: one message per 1000 s.
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Rate: 0.001})
	msg := mimeFor(t, "ann@example.org")
	if err := s.Send(context.Background(), sender, "ann@example.org", msg); err != nil {
		t.Fatal(err)
	}
	returnsAfterCancel(t, "in rate limit", nil, func(ctx context.Context) error {
		return s.Send(ctx, sender, "ann@example.org", msg)
	})
	if got := len(ts.received()); got != 1 {
		t.Errorf("server received %d messages, want only the first", got)
	}
}

func TestSendAfterClose(t *testing.T) {
	ts := startServer(t, serverOpts{})
	s := newSender(t, Config{Host: ts.host, Port: ts.port})
	msg := mimeFor(t, "ann@example.org")
	if err := s.Send(context.Background(), sender, "ann@example.org", msg); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Send(context.Background(), sender, "ann@example.org", msg); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
}
