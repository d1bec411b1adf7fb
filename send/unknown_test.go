package send

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSendConnectionLostAfterData: the server takes the whole message and
// hangs up before its answer. Sending it again would deliver it twice
// (issue 13, item 8): Send returns an UnknownError and does not retry;
// the next message goes out on a new connection.
func TestSendConnectionLostAfterData(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.afterData = func(n int) bool { return n == 1 }
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Attempts: 5, Backoff: time.Millisecond})
	err := s.Send(context.Background(), "news@shop.example", "a@example.com", mimeFor(t, "a@example.com"))
	var unknown *UnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("Send over a connection lost after DATA = %v, want an UnknownError", err)
	}
	if _, _, datas, _ := ts.counts(); datas != 1 {
		t.Errorf("the server received the message %d times, want 1 (no retry)", datas)
	}
	if err := s.Send(context.Background(), "news@shop.example", "b@example.com", mimeFor(t, "b@example.com")); err != nil {
		t.Errorf("Send of the next message = %v, want nil", err)
	}
	if got := len(ts.received()); got != 2 {
		t.Errorf("the server received %d messages, want 2", got)
	}
}

// TestSendWaitsForSlowDataReply: a server that answers the end of DATA
// after longer than the command timeout was sent every message twice (a
// timeout, then a retry); Send waits DataTimeout for that answer instead.
func TestSendWaitsForSlowDataReply(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.onData = func(int) error { time.Sleep(time.Second); return nil }
	// A command timeout shorter than the server's pause; no assertion on
	// how long anything took.
	s := newSender(t, Config{Host: ts.host, Port: ts.port, Timeout: 200 * time.Millisecond, DataTimeout: time.Minute, Backoff: time.Millisecond})
	if err := s.Send(context.Background(), "news@shop.example", "a@example.com", mimeFor(t, "a@example.com")); err != nil {
		t.Fatalf("Send to a slow server = %v, want nil", err)
	}
	if _, _, datas, _ := ts.counts(); datas != 1 {
		t.Errorf("the server received the message %d times, want 1", datas)
	}
}
